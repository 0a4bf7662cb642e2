"""The one exception hierarchy of the engine.

Library exceptions (SpiffWorkflow, lxml, SQLAlchemy) are wrapped at the boundary with context:
the element id, the file and the line. The web layer maps each class to an HTTP status in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.base.codes import PROBLEM_CODES, REASON_CODES


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a spec: where it is, what is wrong and how to fix it."""

    message: str
    element_id: str | None = None
    element_name: str | None = None
    line: int | None = None
    file: str | None = None
    hint: str | None = None
    severity: str = "error"
    # What went wrong as a stable code with its parameters, for a product to say in its own
    # words and languages ('' when the problem has no code yet: then `message` is all there is).
    code: str = ""
    params: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.code and self.code not in PROBLEM_CODES:
            raise ValueError(f"problem code {self.code!r} is not in engine/base/codes.py")

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file + (f":{self.line}" if self.line else ""))
        elif self.line:
            where.append(f"line {self.line}")
        if self.element_id:
            name = " ".join((self.element_name or "").split())
            label = self.element_id + (f" ({name})" if name else "")
            where.append(label)
        text = (": ".join([", ".join(where), self.message]) if where else self.message)
        return text + (f" Fix: {self.hint}" if self.hint else "")

    def to_dict(self) -> dict[str, object]:
        return {
            "message": self.message,
            "element_id": self.element_id,
            "element_name": self.element_name,
            "line": self.line,
            "file": self.file,
            "hint": self.hint,
            "severity": self.severity,
            "code": self.code or None,
            "params": dict(self.params),
        }


class Reason(str):
    """One reason in English (the string itself), with a stable code and its parameters for a
    product to say it in its own words and languages."""

    code: str
    params: tuple[tuple[str, str], ...]

    def __new__(cls, text: str, code: str, **params: object) -> Reason:
        if code not in REASON_CODES:
            raise ValueError(f"reason code {code!r} is not in engine/base/codes.py")
        reason = super().__new__(cls, text)
        reason.code = code
        reason.params = tuple((key, str(value)) for key, value in sorted(params.items()))
        return reason


class EngineError(Exception):
    """Base of every error the engine raises on purpose."""

    code = "engine_error"


class SpecError(EngineError):
    """A spec cannot be deployed or run; `problems` says every reason."""

    code = "invalid_spec"

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


class ExpressionError(EngineError):
    """An expression uses something outside the allowed subset, or fails to evaluate."""

    code = "invalid_expression"

    def __init__(self, message: str, expression: str = "", line: int | None = None) -> None:
        self.expression = expression
        self.line = line
        super().__init__(message)


class ExpressionLimit(ExpressionError):
    """An expression went beyond its budget (operations, sizes, time) or did what the language
    allows nowhere (formatting text with %); the write it ran in is rolled back."""

    code = "expression_limit"


class NotFound(EngineError):
    """The thing asked for does not exist, or is not visible to the caller."""

    code = "not_found"


class Forbidden(EngineError):
    """The caller may not do this (acting for the wrong group, read-only role, ...)."""

    code = "forbidden"


class Conflict(EngineError):
    """The state changed under the caller: the task is no longer ready, or claimed by another."""

    code = "conflict"


@dataclass
class InvalidData(EngineError):
    """Input does not satisfy the form or a rule; `details` maps each field to its message."""

    message: str
    details: dict[str, str] = field(default_factory=dict)
    code: str = "invalid_data"

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        if not self.details:
            return self.message
        return self.message + " " + "; ".join(f"{k}: {v}" for k, v in self.details.items())


class WorkflowFailure(EngineError):
    """Running the instance failed (a gateway without a matching flow, an error in the spec)."""

    code = "workflow_failure"

    def __init__(self, message: str, element_id: str | None = None) -> None:
        self.element_id = element_id
        super().__init__(message if not element_id else f"{element_id}: {message}")
