"""The follow-up report's codes and names: the figures of each part, 004's insatstyper,
preciserade inriktningar and specifika målgrupper (docs/followup.md)."""

from __future__ import annotations

ESF_FIGURES = ("identifierade", "ansokningar", "beviljade", "avslagna", "ej_ansokan",
               "pagaende", "fk_fallback", "beviljat_belopp", "behov_utanfor_rutinen")
FINSAM_FIGURES = ("insatser", "beviljade", "avslagna", "avbrutna", "pagaende", "genomforda",
                  "individinriktade", "strukturovergripande", "beviljat_belopp",
                  "belopp_individinriktade", "belopp_strukturovergripande",
                  "deltagare_kvinnor", "deltagare_man", "deltagare_ej_klassificerade",
                  "personal_strukturovergripande", "personal_foljs_upp",
                  "personal_foljs_inte_upp")
# An insats whose recorded preciserad inriktning does not map to one of its insatstyp's
# (several recorded before 004's one-per-insats rule, or an unknown code): never recounted.
EJ_KLASSIFICERAD = "ej_klassificerad"

INSATSTYPER = {"individinriktad": "Individinriktade insatser",
               "strukturovergripande": "Strukturövergripande insatser"}
# Preciserad inriktning (004 §3.2, §3.3, Bilaga 2): code → (insatstyp, name).
INRIKTNINGAR = {
    "arbetslivsinriktad": ("individinriktad", "Arbetslivsinriktad insats"),
    "forberedande": ("individinriktad", "Förberedande insats"),
    "forebyggande": ("individinriktad", "Förebyggande insats"),
    "identifiera_individens_behov": ("individinriktad", "Identifiera individens behov"),
    "kompetenshojande": ("strukturovergripande", "Kompetenshöjande insats"),
    "behovsanalys": ("strukturovergripande", "Behovsanalys"),
    "utveckla_samverkan": ("strukturovergripande", "Utveckla samverkan"),
}
# Specifik målgrupp of individinriktade insatser (004 §4).
MALGRUPPER = {
    "enbart_kvinnor": "Enbart kvinnor",
    "enbart_man": "Enbart män",
    "unga": "Unga",
    "unga_med_funktionsnedsattning": "Unga med funktionsnedsättning",
    "unga_med_aktivitetsersattning": "Unga med aktivitetsersättning",
    "langtidssjukskrivna": "Långtidssjukskrivna",
    "ingen_specifik_malgrupp": "Ingen specifik målgrupp",
}

