"""A realistic past for the demo förbund, run through the real engine (`finsam demo --history`).

Every need, decision and report below is recorded by the demo users through `Finsam.start_need`
and `Finsam.complete_task`, with a clock set to the day it happened, so the history, the task
rows and the follow-up report are exactly what the förbund's own work would have produced.

Sources: the insatser of 2025 with their amounts, periods and board dates are from NNV Skåne's
delårsrapport 2025 (ANALYSIS.md §5.1); the autumn needs are the recommendations of the
"Hemmasittare" report (§5.2). Participant counts, protocol paragraphs, the later board dates
and the ESF+ project ideas are illustrative (docs/followup.md says which).
"""

from __future__ import annotations

from sqlalchemy import select

from engine import Instance

from .demo import DEMO_FORBUND
from .demo_desk import Desk, HistoryClock
from .system import Finsam

# The first need of the history: when it exists, the history has been loaded.
MARKER_TITLE = "Implementeringsår – En väg in"
EN_VAG_IN = ["fk", "region-skane", "bastad", "klippan", "perstorp", "angelholm", "orkelljunga"]


def has_history(finsam: Finsam) -> bool:
    """Whether the demo history is already loaded."""
    with finsam.db.read() as session:
        return session.scalar(select(Instance.id).where(
            Instance.tenant == DEMO_FORBUND[0], Instance.title == MARKER_TITLE).limit(1)
        ) is not None


def load_history(database_url: str) -> int:
    """Run the demo förbund's past through the engine; return how many instances it created
    (0 when the history was already there). The demo förbund and its users must exist."""
    clock = HistoryClock()
    finsam = Finsam(database_url, clock=clock)
    try:
        if has_history(finsam):
            return 0
        desk = Desk(finsam, clock)
        _insatser_2025(desk)
        _esf_ideas(desk)
        _hemmasittare_autumn(desk)
        return desk.created
    finally:
        finsam.close()


def _insatser_2025(desk: Desk) -> None:
    """The two insatser the styrelse financed on 6 February 2025 (002 delårsrapport §2, §5)."""
    iid = desk.need("2025-01-14", "kansli", MARKER_TITLE,
                    "Arbetslösa 20–65 år med ohälsa, oklar arbetsförmåga och behov av samordnat "
                    "stöd och förrehabilitering; unga prioriteras.", EN_VAG_IN,
                    "finansiell_samordning")["finansiell_samordning"]
    desk.design(("2025-01-15", "2025-01-22", "2025-01-27", "2025-01-29"), iid, EN_VAG_IN, {
        "insatstyp": "individinriktad", "preciserad_inriktning": "forberedande",
        "specifik_malgrupp": ["ingen_specifik_malgrupp"],
        "syfte": "Stabilisera och fördjupa metoderna från En väg in så att de blir bestående. "
                 "Processägare: Båstad, Klippan, Perstorp, Ängelholm och Örkelljunga.",
        "mal": "Strukturella, bestående samverkansformer och mer resurseffektiva metoder.",
        "sokt_belopp": 3_500_000, "processagare": "angelholm"})
    desk.board("2025-02-06", iid, "beviljas", "§ 5", beviljat_belopp=3_500_000,
               period_start="2025-03-01", period_slut="2026-02-28")
    desk.clock.set("2026-02-02")  # the yearly participants of 2025, asked on 31 January 2026
    desk.finsam.engine.fire_due_timers()
    desk.act("2026-02-09", "angelholm", iid, "rapportera_deltagare",
             {"arets_kvinnor": 29, "arets_man": 22})
    desk.carry_out("2026-03-10", iid, "genomfora_insatsdel", EN_VAG_IN)
    desk.act("2026-03-12", "angelholm", iid, "genomfora_insats",
             {"deltagare_kvinnor": 41, "deltagare_man": 33, "genomford_datum": "2026-02-28"})

    parter = ["af", "fk", "region-skane", "angelholm", "hoganas", "klippan"]
    iid = desk.need("2025-01-14", "kansli", "Fördjupad behovskartläggning och behovsanalys – "
                    "behovsgruppen Hemmasittare",
                    "Hemmasittare 14–60 år, ofta utan diagnos men med sammansatt psykisk "
                    "problematik; parterna saknar en gemensam definition.", parter,
                    "finansiell_samordning")["finansiell_samordning"]
    desk.design(("2025-01-15", "2025-01-22", "2025-01-27", "2025-01-29"), iid, parter, {
        "insatstyp": "strukturovergripande", "preciserad_inriktning": "behovsanalys",
        "syfte": "Kartlägga behoven hos hemmasittare och ge förslag på insatser.",
        "mal": "Ett beslutsunderlag med prioriterade rekommendationer.",
        "sokt_belopp": 26_000, "processagare": "angelholm"})
    desk.board("2025-02-06", iid, "beviljas", "§ 6", beviljat_belopp=26_000,
               period_start="2025-03-01", period_slut="2025-08-31")
    # a behovsanalys: the parties' staff is not followed up (004 §3.3.1), not zero
    desk.carry_out("2025-09-15", iid, "genomfora_insatsdel", parter)
    desk.act("2025-09-18", "angelholm", iid, "genomfora_insats",
             {"personal_uppfoljning": "foljs_inte_upp", "genomford_datum": "2025-08-31"})
    desk.clock.set("2026-02-02")
    desk.finsam.engine.fire_due_timers()
    desk.act("2026-02-09", "angelholm", iid, "rapportera_deltagare",
             {"arets_personal_uppfoljning": "foljs_inte_upp"})


def _esf_ideas(desk: Desk) -> None:
    """ESF+ project ideas with every outcome (illustrative), each identified under the 2025
    routine: after FK's report of May 2025 (000; the assignment of 13 March 2025 applies at once
    and for the current programme period)."""
    parter = ["af", "klippan", "perstorp", "region-skane"]
    iid = desk.need("2025-05-15", "kansli", "Arbetsgivarsamverkan för långtidssjukskrivna",
                    "Långtidssjukskrivna som behöver stöd tillbaka till arbete.", parter,
                    "esf_plus")["esf_plus"]
    desk.idea(("2025-05-22", "2025-06-05", "2025-06-12"), iid, parter,
              "Arbetsgivarnätverk och stegvis återgång", owner="klippan")
    desk.apply(("2025-06-19", "2025-07-03", "2025-08-14", "2025-08-21"), iid, "klippan",
               ["af", "perstorp", "region-skane"], 4_200_000)
    desk.act("2025-10-23", "klippan", iid, "registrera_esf_beslut", {
        "esf_beslut": "beviljad", "esf_diarienummer": "2025/01271", "beslut_datum": "2025-10-23",
        "beviljat_belopp": 3_900_000, "projektperiod_start": "2025-11-01",
        "projektperiod_slut": "2026-06-30"})
    desk.act("2025-10-30", "klippan", iid, "bilda_projektorganisation",
             {"projektorganisation": "Projektledare, styrgrupp med alla parter"})
    desk.carry_out("2026-06-30", iid, "genomfora_projektdel",
                   ["klippan", "af", "perstorp", "region-skane"])
    desk.act("2026-06-30", "klippan", iid, "genomfora_projekt", {"genomford_datum": "2026-06-30"})
    desk.act("2026-09-30", "klippan", iid, "slutrapportera", {"slutrapport_datum": "2026-09-30"})

    parter = ["af", "angelholm", "klippan", "region-skane"]
    iid = desk.need("2025-05-20", "angelholm", "Vägar till arbete för unga vuxna",
                    "Unga vuxna 18–29 år långt från arbetsmarknaden.", parter, "esf_plus",
                    utlysning="Unga som varken arbetar eller studerar")["esf_plus"]
    desk.idea(("2025-05-27", "2025-06-10", "2025-06-17"), iid, parter,
              "Stegförflyttning med coach och arbetsgivarkontakter", owner="angelholm")
    desk.apply(("2025-06-24", "2025-07-08", "2025-08-19", "2025-08-26"), iid, "angelholm",
               ["af", "klippan", "region-skane"], 7_800_000)
    desk.act("2025-10-23", "angelholm", iid, "registrera_esf_beslut", {
        "esf_beslut": "beviljad", "esf_diarienummer": "2025/01288", "beslut_datum": "2025-10-23",
        "beviljat_belopp": 7_450_000, "projektperiod_start": "2026-01-01",
        "projektperiod_slut": "2028-12-31"})
    desk.act("2025-12-10", "angelholm", iid, "bilda_projektorganisation",
             {"projektorganisation": "Projektledare, två coacher, styrgrupp med parterna"})

    parter = ["af", "perstorp", "orkelljunga"]
    iid = desk.need("2025-05-27", "perstorp", "Digital vägledning för arbetssökande med psykisk "
                    "ohälsa", "Arbetssökande med psykisk ohälsa i de mindre kommunerna.", parter,
                    "esf_plus")["esf_plus"]
    desk.idea(("2025-06-03", "2025-06-17", "2025-06-24"), iid, parter,
              "Digital vägledning och gruppstöd", owner="perstorp")
    desk.apply(("2025-07-01", "2025-07-15", "2025-08-21", "2025-08-28"), iid, "perstorp",
               ["af", "orkelljunga"], 2_100_000)
    desk.act("2025-10-23", "perstorp", iid, "registrera_esf_beslut", {
        "esf_beslut": "avslag", "esf_diarienummer": "2025/01302", "beslut_datum": "2025-10-23"})

    parter = ["af", "bastad", "hoganas"]
    iid = desk.need("2025-05-27", "bastad", "Språkstöd i arbetsträning",
                    "Nyanlända med ohälsa som behöver språkstöd i arbetsträning.", parter,
                    "esf_plus")["esf_plus"]
    desk.idea(("2025-06-03", "2025-06-17", "2025-07-01"), iid, parter,
              "Språkstöd integrerat i arbetsträning", owner=None)
    desk.act("2025-08-14", "bastad", iid, "overenskommelse", {
        "overenskommelse": "avbryts",
        "skal": "Ingen part kan medfinansiera under innevarande programperiod; idén tas upp "
                "igen inför nästa utlysningsplan."})

    parter = ["fk", "af", "region-skane", "klippan"]
    iid = desk.need("2025-09-25", "fk", "Samordnad rehabilitering för unga med "
                    "aktivitetsersättning", "Unga med aktivitetsersättning som behöver "
                    "samordnat stöd mot arbete eller studier.", parter, "esf_plus")["esf_plus"]
    desk.idea(("2025-10-02", "2025-10-09", "2025-10-16"), iid, parter,
              "Gemensamt team för unga med aktivitetsersättning", owner=None)
    desk.apply(("2025-10-16", "2025-11-06", "2025-11-20", "2025-11-27"), iid, "fk",
               ["af", "region-skane", "klippan"], 5_600_000)

    desk.clock.set("2025-05-15")
    start = desk.finsam.start_need(desk.cap("kansli"), {"titel": "Arbetsintegrerande sociala "
                                                                 "företag"})
    desk.act("2025-05-15", "kansli", start.instance.id, "identifiera_behov", {
        "titel": "Arbetsintegrerande sociala företag", "malgrupp": "Personer som står långt "
        "från arbetsmarknaden utan behov av samordnad rehabilitering.",
        "inom_finsam_malgrupp": False, "parter": ["af", "hoganas"], "finansieringsform":
        "esf_plus", "skal": "Målgruppen behöver inte samordnad rehabilitering; hänvisas till "
        "kommunens arbetsmarknadsenhet."})
    desk.created += 1


def _hemmasittare_autumn(desk: Desk) -> None:
    """The recommendations of the Hemmasittare report, taken up after 18 September 2025."""
    parter = ["fk", "region-skane", "angelholm", "hoganas", "klippan"]
    iid = desk.need("2025-10-02", "kansli", "Relationsbaserade modeller för hemmasittare",
                    "Hemmasittare som behöver case management, IPS eller Supported Employment.",
                    parter, "finansiell_samordning")["finansiell_samordning"]
    design = {"insatstyp": "individinriktad",
              "preciserad_inriktning": "identifiera_individens_behov",
              "specifik_malgrupp": ["unga"], "syfte": "Lära av En väg in och IRIS.",
              "mal": "Hemmasittare får en väg in till samordnat stöd.", "sokt_belopp": 1_200_000,
              "processagare": "hoganas"}
    desk.design(("2025-10-09", "2025-10-23", "2025-11-06", "2025-11-20"), iid, parter, design)
    desk.board("2025-12-04", iid, "aterremitteras", "§ 44",
               motivering="Underlaget behöver visa hur insatsen bygger vidare på En väg in.",
               anvisningar="Beredningsgruppen ser över budgeten och återkommer till nästa "
                           "sammanträde.")
    desk.act("2026-01-15", "hoganas", iid, "utforma_insats", {**design, "sokt_belopp": 950_000})

    parter = ["af", "angelholm", "bastad", "region-skane"]
    iid = desk.need("2025-10-02", "kansli", "Parterna berättar – gemensamma träffar",
                    "Medarbetare hos parterna som möter personer i behov av samordnat stöd.",
                    parter, "finansiell_samordning")["finansiell_samordning"]
    desk.design(("2025-10-09", "2025-10-23", "2025-11-06", "2025-11-20"), iid, parter, {
        "insatstyp": "strukturovergripande", "preciserad_inriktning": "utveckla_samverkan",
        "syfte": "Parterna lär känna varandras uppdrag.", "mal": "Fyra träffar per år.",
        "sokt_belopp": 60_000, "processagare": "angelholm"})
    desk.board("2025-12-04", iid, "beviljas", "§ 45", beviljat_belopp=60_000,
               period_start="2026-01-01", period_slut="2026-12-31")

    parter = ["region-skane", "angelholm", "perstorp"]
    iid = desk.need("2025-10-02", "kansli", "Föräldrastöd: Första hjälpen till psykisk hälsa "
                    "och CRAFT", "Föräldrar till hemmasittare.", parter,
                    "finansiell_samordning")["finansiell_samordning"]
    desk.design(("2025-10-09", "2025-10-23", "2025-11-06", "2025-11-20"), iid, parter, {
        "insatstyp": "individinriktad", "preciserad_inriktning": "forebyggande",
        "specifik_malgrupp": ["unga"], "syfte": "Stärka föräldrarnas stöd.",
        "mal": "Utbildade föräldrar.", "sokt_belopp": 180_000, "processagare": "region-skane"})
    desk.board("2025-12-04", iid, "avslas", "§ 46")

    parter = ["af", "fk", "region-skane", "angelholm", "bastad", "hoganas"]
    routes = desk.need("2025-10-16", "angelholm", "Knutpunkt för hemmasittare i varje kommun",
                       "Hemmasittare och deras närstående.", parter, "bada")
    desk.act("2025-10-23", "angelholm", routes["finansiell_samordning"], "utforma_insats", {
        "insatstyp": "strukturovergripande", "preciserad_inriktning": "utveckla_samverkan",
        "syfte": "Utreda en fysisk knutpunkt.", "mal": "Beslutsunderlag per kommun.",
        "sokt_belopp": 150_000, "processagare": "angelholm"})
    desk.act("2025-10-30", "angelholm", routes["esf_plus"], "utforma_projektide",
             {"projektide": "Knutpunkt med samverkansråd", "syfte": "Samlat stöd",
              "mal": "Fler hemmasittare i aktivitet"})

    desk.clock.set("2025-11-06")
    start = desk.finsam.start_need(desk.cap("kansli"), {"titel": "Civilsamhället i "
                                                                 "knutpunkten"})
    desk.act("2025-11-06", "kansli", start.instance.id, "identifiera_behov", {
        "titel": "Civilsamhället i knutpunkten", "malgrupp": "Hemmasittare och närstående.",
        "inom_finsam_malgrupp": True, "parter": ["angelholm"],
        "finansieringsform": "utanfor_rutinen",
        "skal": "Finansiär: Myndigheten för ungdoms- och civilsamhällesfrågor; "
                "civilsamhällets organisationer är inte parter i förbundet."})
    desk.created += 1
