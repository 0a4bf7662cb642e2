"""The beredningsgrupp's bevakning of Svenska ESF-rådet's utlysningsplan (R-S8, 000 §5.1).

Every förbund has one running `utlysningsplan` instance: its beredningsgrupp checks the plan, the
instance waits a quarter on a timer and the task comes back. `finsam worker` starts it on each
tick where none runs, as the system, deciding and starting in one transaction that serializes
per förbund (`engine/operations/singleton.py`), so several workers still start exactly one.

When the beredningsgrupp chooses to stop ("Bevakning avslutad"), the worker does not start it
again: a person decided, and a new instance on the next tick would undo that decision.
`restart` (`finsam utlysningsplan restart --forbund SLUG`) resumes it on the förbund's request.
"""

from __future__ import annotations

import logging

from engine import SYSTEM, Actor, CompletionResult, EngineError, NotFound

from .catalogue import UTLYSNINGSPLAN_PROCESS
from .system import Finsam

log = logging.getLogger(__name__)

TITLE = "Svenska ESF-rådets utlysningsplan"
# The end the beredningsgrupp chooses; an instance that ended there is not restarted.
ENDED_BY_THE_GROUP = ("bevakning_avslutad",)


def system_actor(forbund: str) -> Actor:
    """The system, acting in a förbund: how the history records the worker's starts."""
    return Actor(username=SYSTEM, tenant=forbund, acting_as=SYSTEM)


def ensure_running(finsam: Finsam) -> int:
    """Start the bevakning in every förbund that has none running and has not ended one by
    choice; return how many were started. Nothing happens in a förbund that has not deployed the
    process."""
    started = 0
    for forbund in finsam.forbunds():
        try:
            result = finsam.engine.start_unless_present(
                system_actor(forbund), UTLYSNINGSPLAN_PROCESS, {"titel": TITLE},
                ENDED_BY_THE_GROUP)
        except NotFound:
            continue  # not deployed in this förbund (each deploys its own versions)
        except EngineError:
            log.exception("the bevakning of förbund %s could not start", forbund)
            continue
        if result is not None:
            started += 1
    return started


def restart(finsam: Finsam, forbund: str) -> CompletionResult | None:
    """Start the förbund's bevakning again after its beredningsgrupp ended it; None when one is
    already running. Raises NotFound for an unknown förbund or an undeployed process."""
    if forbund not in finsam.forbunds():
        raise NotFound(f"no förbund '{forbund}'")
    return finsam.engine.start_unless_present(system_actor(forbund), UTLYSNINGSPLAN_PROCESS,
                                              {"titel": TITLE})
