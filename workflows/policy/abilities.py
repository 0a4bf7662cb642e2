"""The abilities of each role (an allow-list): what a role may do at all, and the refusal it
reads when it may not. Everything else in the policy starts from `may`."""

from __future__ import annotations

from engine import Forbidden

from ..parties import Capacity

# -- abilities ---------------------------------------------------------------------------------

WORK = "work"  # has a task list and completes tasks
START_NEED = "start_need"  # records needs identified in the beredningsgrupp
CASES = "cases"  # reads cases (instances) within the rules below
LINKS = "links"  # sees the link between a need and its routes (Q1)
REPORT = "report"  # reads the follow-up report
REPORT_ESF = "report_esf"  # reads its ESF+ part
REPORT_CASES = "report_cases"  # the report links every case it lists (sees them all)
READ_ALL = "read_all"  # reads every case and task of the förbund, changes nothing
AUDIT = "audit"  # verification, step-through replay, exports
DESIGN = "design"  # lints, deploys and migrates processes
ADMINISTER = "administer"  # manages the förbund's users
ESCALATIONS = "escalations"  # hears of tasks long past their due date, to help the party on
WAITING = "waiting"  # sees where a process's cases wait (figures per step, no case)
NATIONAL = "national"  # reads the follow-up of every förbund where it holds the role, figures only
ANNOTATE = "annotate"  # writes notes and attaches documents on the cases it sees
FOUND = "found"  # creates a förbund from the national register and invites its first admin

# Abilities that change something; a role with none of them (the auditor) writes nothing.
WRITES = frozenset({WORK, START_NEED, DESIGN, ADMINISTER, ANNOTATE, FOUND})

ABILITIES: dict[str, frozenset[str]] = {
    "representant": frozenset({WORK, START_NEED, CASES, LINKS, REPORT, REPORT_ESF, ANNOTATE}),
    "kansli": frozenset({WORK, START_NEED, CASES, LINKS, REPORT, REPORT_ESF, REPORT_CASES,
                        ESCALATIONS, WAITING, ANNOTATE}),
    "styrelse": frozenset({WORK, CASES, REPORT, REPORT_CASES, ANNOTATE}),
    "auditor": frozenset({CASES, LINKS, READ_ALL, REPORT, REPORT_ESF, REPORT_CASES, AUDIT}),
    "designer": frozenset({DESIGN, WAITING}),
    "admin": frozenset({ADMINISTER}),
    # Försäkringskassan's national follow-up (issue 17): the aggregated figures of every förbund
    # it is given, per förbund and in total; never a case, a case list, a task or a name.
    "nationell": frozenset({REPORT, REPORT_ESF, NATIONAL}),
    # The national administrator (the operator's people, issue 18): creates förbund from the
    # national register and invites each one's first admin; never a case, a task or a figure.
    "nationell_admin": frozenset({FOUND}),
}
# Roles only the operator gives (`finsam user add`): a förbund's admin never hands out a power
# over every förbund.
OPERATOR_ROLES = frozenset({"nationell_admin"})
REFUSALS = {
    WORK: "din roll har inga uppgifter att utföra",
    START_NEED: "bara beredningsgruppens medlemmar och kansliet registrerar behov",
    CASES: "din roll ser inga ärenden",
    REPORT: "uppföljningen är för kansliet, revisorn, beredningsgruppen, styrelsen och "
            "Försäkringskassan nationellt",
    NATIONAL: "uppföljningen över flera förbund är för Försäkringskassan nationellt",
    AUDIT: "granskningen är för revisorn",
    DESIGN: "det här är för processdesigners",
    ADMINISTER: "det här är för förbundets administratör",
    WAITING: "väntetiderna är för förbundskansliet och processdesigners",
    ANNOTATE: "din roll skriver inga anteckningar och bifogar inga dokument",
    FOUND: "nya förbund skapas av en nationell administratör",
}


def may(capacity: Capacity, ability: str) -> bool:
    """Whether the capacity's role has `ability`."""
    return ability in ABILITIES.get(capacity.role, frozenset())


def require(capacity: Capacity, ability: str) -> None:
    """Raise Forbidden (with the reason in Swedish) unless the capacity has `ability`."""
    if not may(capacity, ability):
        raise Forbidden(REFUSALS.get(ability, "din roll får inte göra detta"))


def given_by_admin(role: str) -> bool:
    """Whether a förbund's admin may give `role` (invite, add, change to it): every role but
    those only the operator gives."""
    return role not in OPERATOR_ROLES


def owns_draft(capacity: Capacity, forbund: str, username: str) -> bool:
    """Whether the capacity may open, overwrite or delete a modeler draft saved by `username`
    in `forbund`: only that designer, acting in that förbund (never another förbund's, never a
    colleague's)."""
    return (may(capacity, DESIGN) and capacity.forbund == forbund
            and capacity.username == username)


def nav(capacity: Capacity) -> frozenset[str]:
    """The sections of the app the capacity is offered (templates render this, nothing more)."""
    return ABILITIES.get(capacity.role, frozenset())
