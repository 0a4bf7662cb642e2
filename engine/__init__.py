"""The generic BPMN engine: specs, instances, human tasks, history.

It knows nothing of any domain and never imports Flask. Arrows point down: the domain uses the
engine; the engine uses SpiffWorkflow, SQLAlchemy and lxml.
"""

from __future__ import annotations

from .audit import Finding, Verification
from .db import Database
from .errors import (
    Conflict,
    EngineError,
    ExpressionError,
    Forbidden,
    InvalidData,
    NotFound,
    Problem,
    SpecError,
    WorkflowFailure,
)
from .service import Engine, utc_now
from .sources import SpecSource, read_source
from .specs import ParsedSpec
from .types import (
    Actor,
    CompletionResult,
    DefaultHooks,
    DeployResult,
    EventView,
    Grant,
    Hooks,
    InstanceView,
    SpecVersionView,
    StartRequest,
    TaskContext,
    TaskDetail,
    TaskView,
)

__all__ = [
    "Actor",
    "Finding",
    "Verification",
    "CompletionResult",
    "Conflict",
    "Database",
    "DefaultHooks",
    "DeployResult",
    "Engine",
    "EngineError",
    "EventView",
    "ExpressionError",
    "Forbidden",
    "Grant",
    "Hooks",
    "InstanceView",
    "InvalidData",
    "NotFound",
    "ParsedSpec",
    "Problem",
    "SpecError",
    "SpecSource",
    "SpecVersionView",
    "StartRequest",
    "TaskContext",
    "TaskDetail",
    "TaskView",
    "WorkflowFailure",
    "read_source",
    "utc_now",
]
