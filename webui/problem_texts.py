"""One catalogue for what the engine finds wrong: lint problems and migration reasons in plain
Swedish (the message ids, translated to English in messages.po), by the engine's stable codes.

The engine stays free of languages and of this product's words: it gives each problem or reason
a code with parameters (the element's name among them). A problem without a code here is shown
with the engine's own (English) text, so nothing is ever hidden.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from engine import Problem

from .filters import N_

# code → (message, hint); %(name)s is the element's name (or its id when it has none).
PROBLEMS: Mapping[str, tuple[str, str]] = {
    "lint.gateway_flow_without_condition": (
        N_("Ett flöde från grinden ”%(name)s” saknar villkor, och grinden har inget "
           "standardflöde."),
        N_("Sätt ett villkor på flödet, eller gör det till grindens standardflöde.")),
    "spec.flow_without_condition": (
        N_("Flödet ”%(name)s” lämnar en exklusiv grind utan villkor och är inte grindens "
           "standardflöde."),
        N_("Sätt ett villkor på flödet, eller gör det till grindens standardflöde.")),
    "lint.gateway_uncovered": (
        N_("Grinden ”%(name)s” har inget flöde att ta när %(variable)s är %(values)s, och inget "
           "standardflöde."),
        N_("Lägg till ett standardflöde (”annars”) eller ett villkor för det värdet.")),
    "lint.gateway_uncovered_other": (
        N_("Grinden ”%(name)s” har inget flöde att ta när %(variable)s har ett annat värde, och "
           "inget standardflöde."),
        N_("Lägg till ett standardflöde (”annars”) eller ett villkor för det värdet.")),
    "lint.not_drawn": (
        N_("”%(name)s” finns i processen men är inte ritat: det har ingen form i diagrammet."),
        N_("Öppna filen i modelleraren, placera elementet i diagrammet och spara.")),
    "lint.never_ends": (
        N_("Ingen väg från ”%(name)s” når en sluthändelse: ärendet skulle aldrig avslutas "
           "(slingan genom %(loop)s)."),
        N_("Ge slingan en väg ut: ett flöde till en sluthändelse, till exempel från en grind med "
           "ett villkor.")),
    "lint.cycle_without_wait": (
        N_("Slingan genom %(loop)s har ingen uppgift eller händelse som väntar: motorn skulle gå "
           "runt i den i all evighet."),
        N_("Lägg en användaruppgift i slingan, eller ta bort flödet som sluter den.")),
}

REASONS: Mapping[str, str] = {
    "migrate.removed_open": N_("Steget ”%(step)s” är öppet men finns inte i den nya versionen."),
    "migrate.removed_waiting": N_("Steget ”%(step)s” väntar men finns inte i den nya versionen."),
    "migrate.removed_done": N_("Steget ”%(step)s” är gjort men finns inte i den nya versionen."),
    "migrate.changed_started": N_("Steget ”%(step)s” har påbörjats och är ändrat i den nya "
                                  "versionen."),
    "migrate.changed_completed": N_("Steget ”%(step)s” är redan gjort och är ändrat i den nya "
                                    "versionen."),
    "migrate.multi_instance_running": N_("Flerinstanssteget ”%(step)s” är halvgjort: gör klart "
                                         "det först."),
    "migrate.subprocess_removed": N_("En pågående delprocess finns inte i den nya versionen."),
    "migrate.finished": N_("Ärendet är avslutat; avslutade ärenden behåller sin version."),
    "migrate.not_newer": N_("Version %(to)s är inte nyare än ärendets version %(current)s."),
    "meaning.choice_relabelled": N_("Det sparade valet ”%(was)s” (%(variable)s = %(value)s) "
                                    "skulle visas som ”%(now)s” i den nya versionen."),
    "meaning.choice_removed": N_("Det sparade valet ”%(was)s” (%(variable)s = %(value)s) finns "
                                 "inte som val i den nya versionen."),
}


def problem_message(problem: Problem) -> str:
    """What is wrong, in the reader's language (the engine's text when the code is unknown)."""
    texts = PROBLEMS.get(problem.code)
    return _(texts[0], **dict(problem.params)) if texts else problem.message


def problem_hint(problem: Problem) -> str | None:
    """How to fix it, in the reader's language (the engine's hint when the code is unknown)."""
    texts = PROBLEMS.get(problem.code)
    return _(texts[1], **dict(problem.params)) if texts else problem.hint


def reason_text(reason: Any) -> str:
    """Why an instance cannot move, in the reader's language (the engine's text otherwise)."""
    text = REASONS.get(getattr(reason, "code", ""))
    return _(text, **dict(getattr(reason, "params", ()))) if text else str(reason)
