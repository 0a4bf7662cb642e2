"""Swedish names for the codes of the follow-up report, for the CSV people open in Excel
(`export.to_csv`): figures, fields, sections and the values of the lists. A code without a
name here is shown as it is."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from engine import Database

from ..models import Forbund, Organisation
from .codes import EJ_KLASSIFICERAD, INRIKTNINGAR, INSATSTYPER, MALGRUPPER
from .parts import PART_NAMES
from .programme import PERIOD_NAMES

SECTIONS = {
    "esf_plus": "ESF+ nyckeltal",
    "esf_plus.projekt": "ESF+ projekt",
    "esf_plus.per_programperiod": "ESF+ per programperiod",
    "esf_plus.ej_ansokan": "ESF+ ej ansökan",
    "esf_plus.pagaende": "ESF+ pågående",
    "esf_plus.projektagare_per_part": "ESF+ projektägare per part",
    "esf_plus.medfinansiarer_per_part": "ESF+ medfinansiärer per part",
    "finansiell_samordning": "Finsam nyckeltal",
    "finansiell_samordning.per_ar": "Finsam per år",
    "finansiell_samordning.processagare_per_part": "Finsam per part",
    "finansiell_samordning.preciserad_inriktning": "Finsam inriktning",
    "finansiell_samordning.specifik_malgrupp": "Finsam målgrupp",
    "finansiell_samordning.insats": "Finsam insatser",
    "finansiell_samordning.pagaende": "Finsam pågående",
}

FIGURES = {
    # ESF+ (000 §8)
    "identifierade": "Projektidéer identifierade i beredningsgruppen",
    "ansokningar": "Ledde till ansökan",
    "avslagna": "Avslagna",
    "ej_ansokan": "Ingen ansökan (arbetet avbröts)",
    "fk_fallback": "Försäkringskassan projektägare som reserv",
    "behov_utanfor_rutinen": "Behov utanför rutinen",
    "projektagare": "Projektägare",
    "medfinansiarer": "Medfinansiärer",
    # Finsam (004)
    "insatser": "Insatser",
    "beviljade": "Beviljade",
    "avbrutna": "Avbrutna före styrelsen",
    "pagaende": "Pågående",
    "genomforda": "Genomförda",
    "individinriktade": "Individinriktade (beviljade)",
    "strukturovergripande": "Strukturövergripande (beviljade)",
    "beviljat_belopp": "Beviljat belopp (kr)",
    "belopp_individinriktade": "Beviljat till individinriktade (kr)",
    "belopp_strukturovergripande": "Beviljat till strukturövergripande (kr)",
    "deltagare_kvinnor": "Deltagare, kvinnor",
    "deltagare_man": "Deltagare, män",
    "deltagare_ej_klassificerade":
        "Registrerade som deltagare i strukturövergripande insatser (ej klassificerade)",
    "personal_strukturovergripande":
        "Deltagare från parternas personal (strukturövergripande, där det följs upp)",
    "personal_foljs_upp": "Strukturövergripande där personalen följs upp",
    "personal_foljs_inte_upp": "Strukturövergripande där personalen inte följs upp",
    "ej_klassificerade": "Insatser utan årets deltagarrapport (ej klassificerade)",
    "personal_uppfoljning": "Följs personalen upp?",
    "personal_antal": "Deltagare från parternas personal",
    "andel_antal": "Andel av beviljade insatser (%)",
    "andel_belopp": "Andel av beviljat belopp (%)",
    "antal": "Antal",
    "andel": "Andel (%)",
    "belopp": "Belopp (kr)",
    # the fields of a project or an insats
    "titel": "Titel",
    "identifierad": "Behovet identifierat",
    "status": "Status",
    "outcome": "Utfall",
    "utlysning": "Utlysning",
    "inskickad_datum": "Ansökan inskickad",
    "esf_beslut": "ESF-rådets beslut",
    "beslut_datum": "Beslutsdatum",
    "steg": "Öppna steg",
    "styrelsebeslut": "Styrelsens beslut",
    "motesdatum": "Styrelsens mötesdatum",
    "insatstyp": "Insatstyp",
    "preciserad_inriktning": "Preciserad inriktning",
    "specifik_malgrupp": "Specifik målgrupp",
    "processagare": "Processägare",
    "sokt_belopp": "Sökt belopp (kr)",
    "period_start": "Period, första dag",
    "period_slut": "Period, sista dag",
    # why no application was made, by the step it stopped at
    "overenskommelse": "Avbröts vid överenskommelsen",
    "behovsanalys": "Avbröts i behovsanalysen",
}

VALUES = {
    "running": "Pågår",
    "completed": "Avslutad",
    "ej_ansokan": "Ej ansökan",
    "ansokan_avslagen": "Ansökan avslagen",
    "projekt_avslutat": "Projekt avslutat",
    "insats_avbruten": "Arbetet avbrutet",
    "avslag": "Avslag",
    "insats_genomford": "Insats genomförd",
    "beviljas": "Beviljas",
    "avslas": "Avslås",
    "aterremitteras": "Återremitteras",
    "beviljad": "Beviljad",
    "foljs_upp": "Ja, antalet anges",
    "foljs_inte_upp": "Följs inte upp",
    **{kod: namn for kod, (_, namn) in INRIKTNINGAR.items()},
    **MALGRUPPER,
    **INSATSTYPER,
    f"{EJ_KLASSIFICERAD}_individinriktad": "Ej klassificerad (individinriktad)",
    f"{EJ_KLASSIFICERAD}_strukturovergripande": "Ej klassificerad (strukturövergripande)",
    EJ_KLASSIFICERAD: "Ej klassificerad",
    **PART_NAMES,
    **PERIOD_NAMES,
}

TOTAL = "Totalt"
COLUMNS = ("Förbund", "Avsnitt", "Uppgift", "Kategori", "Värde")
# The fields whose values are codes named in VALUES, and those naming a member organisation.
CODED = frozenset(("status", "outcome", "esf_beslut", "styrelsebeslut", "insatstyp",
                   "preciserad_inriktning", "specifik_malgrupp", "personal_uppfoljning"))
MEMBERS = frozenset(("projektagare", "medfinansiarer", "processagare"))


@dataclass(frozen=True)
class Names:
    """The names of the förbund of a report and of their members, by slug."""

    forbund: dict[str, str] = field(default_factory=dict)
    members: dict[str, str] = field(default_factory=dict)


def names_of(db: Database, tenants: list[str] | tuple[str, ...]) -> Names:
    """The names of `tenants` and of their members (a member slug of several förbund, such as
    `af`, takes the first name met: the parties' names are the same everywhere)."""
    with db.read() as session:
        forbund = {slug: name for slug, name in session.execute(
            select(Forbund.slug, Forbund.name).where(Forbund.slug.in_(tenants)))}
        members: dict[str, str] = {}
        for slug, name in session.execute(
                select(Organisation.slug, Organisation.name)
                .join(Forbund, Forbund.id == Organisation.forbund_id)
                .where(Forbund.slug.in_(tenants)).order_by(Organisation.id)):
            members.setdefault(slug, name)
    return Names(forbund, members)
