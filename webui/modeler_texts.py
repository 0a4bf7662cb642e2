"""The words of the modeler's properties panel in the reader's language, from the app's one
catalogue: bpmn-js and its panel speak English, finsam-flow's own entries Swedish (the message
ids), and the page hands the translated texts to bpmn-js's translate service."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _

from .filters import N_

# bpmn-js's and the panel's English template → its Swedish message id.
LIBRARY: Mapping[str, str] = {
    "General": N_("Allmänt"),
    "Name": N_("Namn"),
    "ID": N_("Id"),
    "Documentation": N_("Dokumentation"),
    "Element documentation": N_("Elementets dokumentation"),
    "Process documentation": N_("Processens dokumentation"),
    "Timer": N_("Timer"),
    "Type": N_("Typ"),
    "Value": N_("Värde"),
    "Date": N_("Datum"),
    "Duration": N_("Tidslängd"),
    "Cycle": N_("Cykel"),
    "<none>": N_("<ingen>"),
    "Multi-instance": N_("Flerinstans"),
    "Loop cardinality": N_("Antal varv"),
    "Completion condition": N_("Villkor för att bli klar"),
    "Executable": N_("Körbar"),
    "Version tag": N_("Versionsetikett"),
    "Process name": N_("Processens namn"),
    "Process ID": N_("Processens id"),
    "Participant": N_("Deltagare"),
    "Select an element to edit its properties.": N_("Välj ett element för att ändra dess "
                                                    "egenskaper."),
    "Multiple elements are selected. Select a single one to edit its properties.":
        N_("Flera element är valda. Välj ett för att ändra dess egenskaper."),
    "ID must not be empty.": N_("Id får inte vara tomt."),
    "ID must be unique.": N_("Id måste vara unikt."),
    "ID must not contain spaces.": N_("Id får inte innehålla mellanslag."),
    "ID must be a valid QName.": N_("Id måste vara ett giltigt QName."),
    # The panel's header names the selected element's type.
    "User Task": N_("Användaruppgift"),
    "Sequence Flow": N_("Flöde"),
    "Default Flow": N_("Standardflöde"),
    "Conditional Flow": N_("Villkorat flöde"),
    "Lane": N_("Bana"),
    "Collaboration": N_("Samarbete"),
    "Group": N_("Grupp"),
    "Text Annotation": N_("Textkommentar"),
    "Message Flow": N_("Meddelandeflöde"),
    "Exclusive Gateway": N_("Exklusiv grind"),
    "Parallel Gateway": N_("Parallell grind"),
    "Inclusive Gateway": N_("Inkluderande grind"),
    "Start Event": N_("Starthändelse"),
    "End Event": N_("Sluthändelse"),
    "Timer Boundary Event": N_("Timerhändelse på kanten"),
    "Timer Boundary Event (Non Interrupting)": N_("Timerhändelse på kanten (avbryter inte)"),
    "Timer Intermediate Catch Event": N_("Mellanliggande timerhändelse"),
    "Toggle section": N_("Fäll ut eller ihop avsnittet"),
    "Section contains data": N_("Avsnittet har uppgifter"),
    "Section contains an error": N_("Avsnittet har ett fel"),
}

# finsam-flow's own entries (webui/assets/modeler/provider.js): the Swedish text is the id.
OWN: tuple[str, ...] = (
    N_("Finsam-flow"),
    N_("Formulärfil (JSON Schema)"),
    N_("Sökväg bredvid diagrammet, till exempel forms/min_uppgift.schema.json."),
    N_("Ange en sökväg som slutar på .json, med bokstäverna a–z, siffror, _ - . och /."),
    N_("Svarstid (dueIn)"),
    N_("En tidslängd i ISO 8601, till exempel P30D för 30 dagar."),
    N_("Skriv en tidslängd som P30D (30 dagar) eller PT12H (12 timmar)."),
    N_("Instruktioner till den som gör steget"),
    N_("Vem gör stegen i banan"),
    N_("(välj en roll)"),
    N_("Villkor (uttryck)"),
    N_("Till exempel esf_beslut == 'beviljad'. Tomt på grindens standardflöde."),
    N_("Grindens standardflöde (annars)"),
)


def modeler_texts() -> dict[str, str]:
    """Every text the panel shows, translated for the current request."""
    texts = {english: _(swedish) for english, swedish in LIBRARY.items()}
    texts.update({swedish: _(swedish) for swedish in OWN})
    return texts
