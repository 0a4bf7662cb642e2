"""The generic BPMN engine: specs, instances, human tasks, history.

It knows nothing of any domain and never imports Flask. Arrows point down: the domain uses the
engine; the engine uses SpiffWorkflow, SQLAlchemy and lxml.

The names below (`__all__`) are the engine's public surface: workflows/ and webui/ import only
these, never a module inside `engine` (import-linter checks it, pyproject.toml).
"""

from __future__ import annotations

from engine.base.canonical import GENESIS_HASH, canonical_json
from engine.base.codes import PROBLEM_CODES, REASON_CODES
from engine.base.csvsafe import Writer as CsvWriter
from engine.base.csvsafe import neutralise as neutralise_cell
from engine.base.errors import (
    Conflict,
    EngineError,
    ExpressionError,
    Forbidden,
    InvalidData,
    NotFound,
    Problem,
    Reason,
    SpecError,
    WorkflowFailure,
)
from engine.base.findings import Finding
from engine.base.hooks import DefaultHooks, Hooks, StepData, TaskContext
from engine.base.types import (
    CLI,
    RESERVED_ACTORS,
    SYSTEM,
    Actor,
    CompletionResult,
    DeployResult,
    EventView,
    Grant,
    InstanceView,
    SpecVersionView,
    StartRequest,
    TaskDetail,
    TaskView,
)
from engine.diagram import diagram_count, diagram_elements, render_svg, sequence_flows
from engine.history.audit import Verification
from engine.history.export import check_export, export_document, kept_head, to_csv, to_json
from engine.history.export import parse as parse_export
from engine.history.export import sign as sign_export
from engine.history.replay import ReplayStep
from engine.operations.annotation import ANNOTATION_KINDS
from engine.operations.queries import task_count_cap, task_view
from engine.runtime.migration import MigrationCheck
from engine.service import Engine, utc_now
from engine.specs.form_check import check_form_text
from engine.specs.lint import (
    diagram_complete,
    gateways_decide,
    lane_members,
    path_from_start,
    paths_end,
)
from engine.specs.meanings import choice_labels
from engine.specs.reading import ParsedSpec, UserTaskInfo
from engine.specs.sources import SpecSource, read_source, source_from_upload
from engine.specs.versions import SpecDiff, diff_specs
from engine.store.db import Database
from engine.store.ledger import signed_head
from engine.store.models import (
    Base,
    Event,
    HumanTask,
    Instance,
    InstanceAttribute,
    LedgerHead,
    Notification,
    Redaction,
    Timer,
)

__all__ = [
    "ANNOTATION_KINDS",
    "CLI",
    "GENESIS_HASH",
    "RESERVED_ACTORS",
    "SYSTEM",
    "Actor",
    "Base",
    "CsvWriter",
    "neutralise_cell",
    "Finding",
    "Event",
    "HumanTask",
    "Instance",
    "InstanceAttribute",
    "MigrationCheck",
    "LedgerHead",
    "Notification",
    "Redaction",
    "Timer",
    "ReplayStep",
    "SpecDiff",
    "UserTaskInfo",
    "Verification",
    "canonical_json",
    "check_form_text",
    "check_export",
    "choice_labels",
    "diagram_complete",
    "diagram_count",
    "diff_specs",
    "export_document",
    "gateways_decide",
    "kept_head",
    "lane_members",
    "parse_export",
    "path_from_start",
    "paths_end",
    "render_svg",
    "diagram_elements",
    "sequence_flows",
    "sign_export",
    "signed_head",
    "source_from_upload",
    "task_count_cap",
    "task_view",
    "to_csv",
    "to_json",
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
    "PROBLEM_CODES",
    "Problem",
    "REASON_CODES",
    "Reason",
    "SpecError",
    "SpecSource",
    "SpecVersionView",
    "StartRequest",
    "StepData",
    "TaskContext",
    "TaskDetail",
    "TaskView",
    "WorkflowFailure",
    "read_source",
    "utc_now",
]
