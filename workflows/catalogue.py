"""The catalogue of finsam-flow's processes: ids, names, lanes, routes and variables.

Everything else names a process, a lane or a variable through this module, and the policy
(`workflows/policy/`) classifies variables from it. A designer may add variables in a new
version; those are case data that only the roles who see the whole case read (never the
styrelse: its fields are an allow-list here, not "everything but").
"""

from __future__ import annotations

from .parties import BEREDNINGSGRUPP, KANSLI, PARTY_REPRESENTATIVES, STYRELSE

NEED_PROCESS = "behovsanalys"
FINSAM_PROCESS = "finansiell_samordning"
ESF_PROCESS = "esf_plus"
# The beredningsgrupp's bevakning of Svenska ESF-rådet's utlysningsplan (R-S8): started by the
# worker only, one per förbund (workflows/utlysningsplan.py).
UTLYSNINGSPLAN_PROCESS = "utlysningsplan"
ROUTE_PROCESSES = (FINSAM_PROCESS, ESF_PROCESS)

PROCESS_NAMES = {
    NEED_PROCESS: "Behovsanalys",
    FINSAM_PROCESS: "Finansiell samordning",
    ESF_PROCESS: "ESF+",
    UTLYSNINGSPLAN_PROCESS: "Utlysningsplan",
}

# Processes whose work the whole beredningsgrupp shares: every member sees and does it. In every
# other process a member organisation acts only where it is a party (`parter`).
WHOLE_GROUP_PROCESSES = frozenset({NEED_PROCESS, UTLYSNINGSPLAN_PROCESS})
# The processes a person may start (a need); routes start from a need, the bevakning from the
# worker.
USER_STARTABLE = frozenset({NEED_PROCESS})
# The only processes the styrelse ever sees or has tasks in (R-S2: ESF+ never reaches it).
STYRELSE_PROCESSES = frozenset({FINSAM_PROCESS})
# The processes that are ESF+ matters whatever their data.
ESF_PROCESSES = frozenset({ESF_PROCESS, UTLYSNINGSPLAN_PROCESS})
# The variable that names a need's and a route's parties (CONTRACT.md).
PARTIES_VARIABLE = "parter"

# Lane name → how the organisation that must act is found.
LANE_GROUPS = {
    "Beredningsgrupp": BEREDNINGSGRUPP,
    # the parties' decisions in the beredningsgrupp: a participating party's representative
    # confirms; the kansli does not (issue 16, finding 1)
    "Parternas företrädare": PARTY_REPRESENTATIVES,
    "Förbundskansli": KANSLI,
    "Styrelse": STYRELSE,
}
STYRELSE_LANE = "Styrelse"
LANE_FROM_ITEM = "Parterna"
LANE_FROM_VARIABLE = {"Projektägare": "projektagare", "Processägare": "processagare"}
KNOWN_LANES = (*LANE_GROUPS, LANE_FROM_ITEM, *LANE_FROM_VARIABLE)

# The financing forms of a need (DECISIONS.md 1) and the routes each starts.
ROUTES_OF_FORM = {
    "finansiell_samordning": (FINSAM_PROCESS,),
    "esf_plus": (ESF_PROCESS,),
    "bada": (FINSAM_PROCESS, ESF_PROCESS),
}
# Financing forms on which no ESF+ route can follow.
FORMS_WITHOUT_ESF = frozenset({"finansiell_samordning", "utanfor_rutinen"})

# -- variables ---------------------------------------------------------------------------------

# Variables of ESF+ only: they never enter an instance of another route (DECISIONS.md, Data).
ESF_ONLY_FIELDS = frozenset({"utlysning"})
# What a route instance starts with, taken from its need (CONTRACT.md: titel, malgrupp, parter
# and the need's id; the target utlysning only for ESF+).
ROUTE_START_FIELDS = {
    FINSAM_PROCESS: ("titel", "malgrupp", PARTIES_VARIABLE),
    ESF_PROCESS: ("titel", "malgrupp", PARTIES_VARIABLE, "utlysning"),
}
LINK_FIELD = "behov_id"
# The styrelse's allow-list: the Finsam case data it reads to decide (A4) and to follow up.
STYRELSE_FIELDS = frozenset({
    "titel", "malgrupp", PARTIES_VARIABLE, "insatstyp", "preciserad_inriktning",
    "specifik_malgrupp", "syfte", "mal", "sokt_belopp", "processagare", "forankringar",
    "forankrad", "kommentar", "ansvarsfordelning", "tjansteutlatande", "forslag_till_beslut",
    "styrelsebeslut", "beviljat_belopp", "period_start", "period_slut", "motivering",
    "anvisningar", "motesdatum", "protokoll_paragraf", "genomforanden", "genomfort",
    "deltagare_kvinnor", "deltagare_man", "genomford_datum", "personal_uppfoljning",
    "personal_antal", "deltagare_per_ar", "arets_kvinnor", "arets_man",
    "arets_personal_uppfoljning", "arets_personal_antal",
})
# Bookkeeping a person does not need to read on a page (the API still carries it to those who
# see the case).
INTERNAL_FIELDS = frozenset({LINK_FIELD, "projektparter", "fk_fallback"})

# The variables the follow-up reports aggregate (workflows/followup/, docs/followup.md): copied
# to `instance_attribute` after every step. A key added here needs a migration that backfills it
# (see workflows/migrations/versions/0003_instance_attribute.py). `parter` is indexed in every
# process with parties: the task list narrows a member's tasks by it (`policy.grants`).
INDEXED_VARIABLES: dict[str, tuple[str, ...]] = {
    NEED_PROCESS: ("finansieringsform", PARTIES_VARIABLE, "inom_finsam_malgrupp", "skal",
                   "utlysning"),
    ESF_PROCESS: (LINK_FIELD, PARTIES_VARIABLE, "utlysning", "overenskommelse", "projektagare",
                  "medfinansiarer", "fk_fallback", "skal", "sokt_belopp", "inskickad_datum",
                  "esf_beslut", "beslut_datum", "beviljat_belopp", "projektperiod_start",
                  "projektperiod_slut", "slutrapport_datum"),
    FINSAM_PROCESS: (LINK_FIELD, PARTIES_VARIABLE, "insatstyp", "preciserad_inriktning",
                     "specifik_malgrupp", "sokt_belopp", "processagare", "styrelsebeslut",
                     "beviljat_belopp", "motesdatum", "period_start", "period_slut",
                     "deltagare_kvinnor", "deltagare_man", "genomford_datum",
                     "personal_uppfoljning", "personal_antal"),
}

# Steps that an earlier step can send back, and why (issue 16, finding 7): (process, the task
# that comes back) → the step whose answer sent it back → what kind of return it is. The task
# page shows the reason as a banner.
RETURNS: dict[tuple[str, str], dict[str, str]] = {
    (FINSAM_PROCESS, "utforma_insats"): {"styrelsebeslut": "aterremiss",
                                         "forankra_insats": "forankring"},
    (ESF_PROCESS, "utforma_projektide"): {"overenskommelse": "ej_overens",
                                          "forankra_projektide": "forankring"},
    (ESF_PROCESS, "mandat_projektagarskap"): {"beslut_projektansokan": "partsbeslut"},
}

# The choices whose values the gateways, the rules and the follow-up read, with what each value
# means. A form offers them with exactly these labels (`deploy_rules.choices_keep_their_meaning`):
# a recorded `beviljas` is counted as granted, so it never shows as anything but "Beviljas".
# The lists a multi-instance step collects, one answer per party (their rows are labelled by the
# step's form), and the list of yearly reports the domain keeps (with its rows' keys): what the
# case pages call them.
COLLECTION_LABELS: dict[str, str] = {
    "forankringar": "Förankring hos parterna",
    "stallningstaganden": "Parternas ställningstaganden",
    "partsbeslut_lista": "Parternas beslut om ansökan",
    # issue 16, finding 9: the medfinansiärer's parts of the application (B4), each party's part
    # in carrying out the insats (A5) or the project (B8)
    "ansokansbidrag": "Medfinansiärernas underlag till ansökan",
    "genomforanden": "Parternas genomförande",
    # issue 17: the processägare's yearly reports (workflows/deltagare_ar.py), one row a year
    "deltagare_per_ar": "Deltagare per år",
    "ar": "År",
    "kvinnor": "Deltagare, kvinnor",
    "man": "Deltagare, män",
    "personal": "Deltagare från parternas personal",
}

CHOICES: dict[str, dict[str, str]] = {
    "finansieringsform": {
        "finansiell_samordning": "Finansiell samordning (förbundet finansierar)",
        "esf_plus": "ESF+-projekt",
        "bada": "Både finansiell samordning och ESF+",
        "utanfor_rutinen": "Utanför rutinen",
    },
    "overenskommelse": {"overens": "Överens", "ej_overens": "Ej överens",
                        "avbryts": "Arbetet avbryts"},
    "beslut": {"ja": "Ja", "nej": "Nej"},
    "esf_beslut": {"beviljad": "Beviljad", "avslag": "Avslag"},
    "styrelsebeslut": {"beviljas": "Beviljas", "avslas": "Avslås",
                       "aterremitteras": "Återremitteras"},
    "insatstyp": {"individinriktad": "Individinriktad insats",
                  "strukturovergripande": "Strukturövergripande insats"},
    "preciserad_inriktning": {
        "arbetslivsinriktad": "Arbetslivsinriktad insats",
        "forberedande": "Förberedande insats",
        "forebyggande": "Förebyggande insats",
        "identifiera_individens_behov": "Identifiera individens behov",
        "kompetenshojande": "Kompetenshöjande insats",
        "behovsanalys": "Behovsanalys",
        "utveckla_samverkan": "Utveckla samverkan",
    },
    "specifik_malgrupp": {
        "enbart_kvinnor": "Enbart kvinnor",
        "enbart_man": "Enbart män",
        "unga": "Unga",
        "unga_med_funktionsnedsattning": "Unga med funktionsnedsättning",
        "unga_med_aktivitetsersattning": "Unga med aktivitetsersättning",
        "langtidssjukskrivna": "Långtidssjukskrivna",
        "ingen_specifik_malgrupp": "Ingen specifik målgrupp",
    },
    "personal_uppfoljning": {"foljs_upp": "Ja, antalet anges",
                             "foljs_inte_upp": "Följs inte upp"},
}
