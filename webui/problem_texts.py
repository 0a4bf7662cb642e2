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
        N_("Flödet ”%(name)s” lämnar grinden ”%(gateway)s” utan villkor och är inte grindens "
           "standardflöde."),
        N_("Sätt ett villkor på flödet, eller gör det till grindens standardflöde.")),
    # XML safety (engine/base/xmlsafe.py)
    "xml.too_large": (
        N_("Filen är %(size)s byte; högst %(limit)s tas emot."),
        N_("Dela upp diagrammet eller ta bort inbäddade bilder.")),
    "xml.empty": (N_("Filen är tom."), N_("Välj BPMN-filen som du sparade i modelleraren.")),
    "xml.not_well_formed": (
        N_("Filen är inte välformad XML (rad %(line)s): %(detail)s"),
        N_("Spara filen igen från Camunda Modeler eller bpmn.io.")),
    "xml.doctype": (
        N_("Filen har en dokumenttypsdeklaration (DOCTYPE); entiteter och DTD:er tas inte emot."),
        N_("Ta bort deklarationen <!DOCTYPE ...>.")),
    "xml.entities": (
        N_("Filen använder XML-entiteter, som inte tas emot."),
        N_("Skriv ut tecknen i stället för entiteterna och spara igen.")),
    # BPMN 2.0 and what the engine runs (engine/specs/reading.py)
    "spec.not_bpmn": (
        N_("Det här är ingen BPMN 2.0-fil."),
        N_("Exportera diagrammet som BPMN 2.0 XML från Camunda Modeler eller bpmn.io.")),
    "spec.xsd": (
        N_("Filen följer inte BPMN 2.0-schemat (XSD) på rad %(line)s: %(detail)s"),
        N_("Öppna och spara filen i Camunda Modeler eller bpmn.io för att se elementet.")),
    "spec.executable_count": (
        N_("Filen ska innehålla exakt en körbar process; den har %(found)s."),
        N_("Sätt isExecutable=\"true\" på den process som ska köras, och bara på den.")),
    "spec.script_refused": (
        N_("”%(name)s” har ett skript; skript körs inte här."),
        N_("Ta bort skriptet. Villkor och beräkningar skrivs som uttryck på flöden.")),
    "spec.expression_refused": (
        N_("Uttrycket ”%(expression)s” vid ”%(name)s” tas inte emot: %(detail)s"),
        N_("Använd bara jämförelser, and/or/not, värden, variabler, x['nyckel'] och de "
           "tillåtna funktionerna.")),
    # Elements the engine does not run (engine/specs/checks.py)
    "spec.refused_script_task": (
        N_("”%(name)s” är en skriptuppgift; skript körs inte här, eftersom de skulle köra "
           "godtycklig kod på servern."),
        N_("Gör den till en användaruppgift, eller skriv logiken som villkor på grindens "
           "flöden.")),
    "spec.refused_service_task": (
        N_("”%(name)s” är en tjänsteuppgift; sådana körs inte här."),
        N_("Gör den till en användaruppgift.")),
    "spec.refused_business_rule_task": (
        N_("”%(name)s” är en regeluppgift (DMN); sådana körs inte här."),
        N_("Skriv regeln som villkor på en grinds flöden.")),
    "spec.refused_untyped_task": (
        N_("”%(name)s” är en uppgift utan typ: ingen kan slutföra den, så ärendet skulle "
           "vänta för alltid."),
        N_("Gör den till en användaruppgift (med bana och formulär) eller ta bort den.")),
    "spec.refused_subprocess": (
        N_("”%(name)s” är en inbäddad delprocess; sådana körs inte här, och stegen i den skulle "
           "aldrig starta."),
        N_("Rita delprocessens steg direkt i processen, varje uppgift i sin bana.")),
    # Due dates and timers (engine/specs/schedule.py)
    "due.invalid": (
        N_("Tidsfristen (dueIn) ”%(value)s” på ”%(name)s” går inte att läsa som en tid."),
        N_("Skriv veckor, dagar, timmar, minuter eller sekunder, högst %(max_days)s dagar: till "
           "exempel P30D (30 dagar), P2W (två veckor) eller PT12H (12 timmar). År och månader "
           "förstås inte, eftersom deras längd beror på kalendern.")),
    "timer.cycle": (
        N_("Timern på ”%(name)s” upprepas (timeCycle); upprepade timrar körs inte här."),
        N_("Låt ett flöde gå tillbaka genom en mellanliggande timerhändelse med en varaktighet "
           "(timeDuration) i stället.")),
    "timer.unquoted": (
        N_("Timern på ”%(name)s” har %(value)s utan citattecken, så den läses som namnet på en "
           "variabel."),
        N_("Skriv varaktigheten inom citattecken: \"%(value)s\".")),
    "timer.not_text": (
        N_("Timern på ”%(name)s” ger %(expression)s, som inte är en text inom citattecken."),
        N_("Skriv varaktigheten eller tidpunkten inom citattecken, till exempel \"P14D\" "
           "(14 dagar).")),
    "timer.duration_invalid": (
        N_("Timern på ”%(name)s” har varaktigheten ”%(value)s”, som inte går att läsa som en "
           "tid."),
        N_("Skriv en varaktighet inom citattecken, högst %(max_days)s dagar: till exempel "
           "\"P14D\" (14 dagar) eller \"PT12H\" (12 timmar).")),
    "timer.date_invalid": (
        N_("Timern på ”%(name)s” har tidpunkten ”%(value)s”, som inte går att läsa som datum "
           "och tid."),
        N_("Skriv datum och tid inom citattecken, högst %(max_days)s dagar framåt: till "
           "exempel \"2026-01-01T09:00:00+01:00\".")),
    # Forms (engine/specs/sources.py, engine/specs/reading.py, engine/runtime/limits.py)
    "form.missing": (
        N_("Formuläret ”%(form)s” som ”%(name)s” pekar på saknas."),
        N_("Lägg till formulärfilen bredvid diagrammet.")),
    "form.not_brought": (
        N_("Formuläret ”%(form)s” finns varken bland filerna du skickade eller i förbundets "
           "driftsatta versioner."),
        N_("Skicka formulärfilen tillsammans med diagrammet, eller rätta sökvägen.")),
    "form.not_json": (
        N_("Formuläret ”%(form)s” är inte giltig JSON: %(detail)s"),
        N_("Spara formuläret som JSON i UTF-8; kontrollera kommatecken och citattecken.")),
    "form.json_syntax": (
        N_("Formuläret ”%(form)s” är inte giltig JSON: något är fel på rad %(line)s, tecken "
           "%(column)s."),
        N_("Oftast saknas ett kommatecken mellan två fält, står ett kommatecken för mycket före "
           "} eller ], eller saknas ett citattecken. Rätta där.")),
    "form.schema_type": (
        N_("Formuläret ”%(form)s” är inget giltigt JSON Schema: vid %(where)s ska värdet vara av "
           "typen %(expected)s."),
        N_("Rätta värdet på den platsen. Till exempel är \"properties\" ett objekt, "
           "\"required\" en lista och \"title\" en text.")),
    "form.schema_value": (
        N_("Formuläret ”%(form)s” är inget giltigt JSON Schema: värdet %(value)s vid %(where)s "
           "är inte tillåtet där."),
        N_("Kontrollera stavningen. \"type\" är till exempel en av string, number, integer, "
           "boolean, object och array.")),
    "form.bounds": (
        N_("Formuläret ”%(form)s” är för stort eller för djupt: %(detail)s"),
        N_("Dela upp formuläret eller gör det plattare; lägg delar som återkommer i $defs.")),
    "form.invalid_schema": (
        N_("Formuläret ”%(form)s” är inget giltigt JSON Schema: värdet vid %(where)s följer "
           "inte reglerna för JSON Schema (%(detail)s)."),
        N_("Rätta formuläret efter JSON Schema (draft 2020-12).")),
    "form.not_object": (
        N_("Formuläret ”%(form)s” ska beskriva ett objekt (\"type\": \"object\")."),
        N_("Sätt \"type\": \"object\" och beskriv fälten under \"properties\".")),
    # What the database stores (engine/runtime/limits.py)
    "limit.too_long": (
        N_("Ett värde (%(what)s) är %(length)s tecken långt; högst %(limit)s sparas."),
        N_("Korta av värdet.")),
    "limit.cardinality": (
        N_("Antalet varv ”%(expression)s” vid ”%(name)s” är inget heltal från 0 till "
           "%(limit)s."),
        N_("Låt steget gå högst %(limit)s varv, eller gå över en lista.")),
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


def _worded(text: str, problem: Problem) -> str | None:
    try:
        return _(text, **dict(problem.params))
    except KeyError:  # a parameter the engine did not give this time: its own words then
        return None


def problem_message(problem: Problem) -> str:
    """What is wrong, in the reader's language (the engine's text when the code is unknown)."""
    texts = PROBLEMS.get(problem.code)
    return (_worded(texts[0], problem) if texts else None) or problem.message


def problem_hint(problem: Problem) -> str | None:
    """How to fix it, in the reader's language (the engine's hint when the code is unknown)."""
    texts = PROBLEMS.get(problem.code)
    return (_worded(texts[1], problem) if texts else None) or problem.hint


def reason_text(reason: Any) -> str:
    """Why an instance cannot move, in the reader's language (the engine's text otherwise)."""
    text = REASONS.get(getattr(reason, "code", ""))
    return _(text, **dict(getattr(reason, "params", ()))) if text else str(reason)
