"""What process designers do: lint and deploy uploads, compare versions, move running instances,
and look at any diagram (the MIWG reference models included)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine import (
    DeployResult,
    InstanceView,
    MigrationCheck,
    NotFound,
    Problem,
    SpecDiff,
    SpecError,
    SpecVersionView,
    diff_specs,
    render_svg,
    source_from_upload,
)

from . import policy
from .parties import Capacity
from .system import Finsam
from .tenants import forbund_names

CORPUS_ENV = "FINSAM_MIWG_DIR"
_CORPUS_NAME = re.compile(r"^[A-Z]\.\d+\.\d+(\.\d+)?$")


@dataclass
class LintResult:
    """The outcome of linting (and maybe deploying) an upload."""

    filename: str
    problems: list[Problem] = field(default_factory=list)
    process_id: str | None = None
    deployed: DeployResult | None = None
    svg: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class VersionDiff:
    """Two versions of a process side by side, with what changed drawn on each."""

    process_id: str
    old: int
    new: int
    diff: SpecDiff
    old_svg: str
    new_svg: str


def require_designer(capacity: Capacity) -> None:
    """Only process designers deploy and migrate (`policy.DESIGN`)."""
    policy.require(capacity, policy.DESIGN)


def lint_upload(
    finsam: Finsam,
    capacity: Capacity,
    filename: str,
    bpmn: bytes,
    forms: Mapping[str, bytes],
    deploy: bool,
) -> LintResult:
    """Validate an uploaded BPMN file with every rule; deploy it when asked and it is clean.

    Forms the upload does not bring are taken from the förbund's own deployed versions. Nothing
    is deployed while any problem stands, and only to the designer's förbund.
    """
    require_designer(capacity)
    result = LintResult(filename=filename)
    try:
        source = source_from_upload(filename, bpmn, forms, _deployed_forms(finsam, capacity))
        parsed = finsam.engine.lint(source)
        result.process_id = parsed.process_id
        if deploy:
            result.deployed = finsam.engine.deploy(capacity.forbund, source, capacity.username)
    except SpecError as error:
        result.problems = error.problems
    result.svg = _marked(bpmn, filename, result.problems)
    return result


def deploy_body(finsam: Finsam, capacity: Capacity, filename: str, bpmn: bytes) -> DeployResult:
    """Deploy a BPMN file to the designer's förbund (the API's body), its forms taken from the
    förbund's deployed versions."""
    require_designer(capacity)
    source = source_from_upload(filename, bpmn, {}, _deployed_forms(finsam, capacity))
    return finsam.engine.deploy(capacity.forbund, source, capacity.username)


def _deployed_forms(finsam: Finsam, capacity: Capacity) -> Callable[[str], Any | None]:
    return lambda path: finsam.engine.deployed_form(capacity.forbund, path)


def _marked(bpmn: bytes, filename: str, problems: list[Problem]) -> str | None:
    marks = {p.element_id: ["problem"] for p in problems if p.element_id}
    try:
        return render_svg(bpmn, highlights=marks, filename=filename)
    except (SpecError, NotFound, ValueError):
        return None


def versions(finsam: Finsam, capacity: Capacity) -> dict[str, list[SpecVersionView]]:
    """The designer's förbund's deployed versions, by process, newest first."""
    require_designer(capacity)
    grouped: dict[str, list[SpecVersionView]] = {}
    for version in finsam.engine.spec_versions(capacity.forbund):
        grouped.setdefault(version.process_id, []).append(version)
    return grouped


def version_svg(finsam: Finsam, capacity: Capacity, process_id: str, version: int) -> str:
    """The diagram of one of the förbund's deployed versions."""
    require_designer(capacity)
    return render_svg(finsam.engine.spec_bpmn(capacity.forbund, process_id, version),
                      title=f"{process_id} version {version}")


def version_bpmn(finsam: Finsam, capacity: Capacity, process_id: str, version: int) -> str:
    """The BPMN XML of one of the förbund's deployed versions (to open in the modeler)."""
    require_designer(capacity)
    return finsam.engine.spec_bpmn(capacity.forbund, process_id, version).decode("utf-8")


@dataclass(frozen=True)
class Published:
    """A version another förbund published, as a designer who may adopt it sees it."""

    forbund: str
    forbund_name: str
    version: SpecVersionView


def publish(finsam: Finsam, capacity: Capacity, process_id: str, version: int,
            published: bool = True) -> SpecVersionView:
    """Offer one of the förbund's versions to the other förbund (or withdraw the offer)."""
    require_designer(capacity)
    return finsam.engine.publish(capacity.forbund, process_id, version, capacity.username,
                                 published)


def published_elsewhere(finsam: Finsam, capacity: Capacity) -> list[Published]:
    """The versions other förbund published, which the designer's förbund may adopt."""
    require_designer(capacity)
    names = forbund_names(finsam.db)
    return [Published(v.tenant, names.get(v.tenant, v.tenant), v)
            for v in finsam.engine.published_versions(capacity.forbund)]


def published_svg(finsam: Finsam, capacity: Capacity, forbund: str, process_id: str,
                  version: int) -> str:
    """The diagram of a version another förbund published (NotFound unless published)."""
    for item in published_elsewhere(finsam, capacity):
        if (item.forbund, item.version.process_id, item.version.version) == (
                forbund, process_id, version):
            return render_svg(finsam.engine.spec_bpmn(forbund, process_id, version),
                              title=f"{item.forbund_name}: {process_id} version {version}")
    raise NotFound(f"no published version {version} of {process_id}")


def adopt(finsam: Finsam, capacity: Capacity, forbund: str, process_id: str, version: int
          ) -> DeployResult:
    """Take a version another förbund published as the designer's förbund's next version of
    the process (validated like any deploy; who, when and from where are recorded)."""
    require_designer(capacity)
    return finsam.engine.adopt(capacity.forbund, forbund, process_id, version,
                               capacity.username)


def compare(finsam: Finsam, capacity: Capacity, process_id: str, old: int, new: int
            ) -> VersionDiff:
    """What changed from version `old` to `new`, drawn on both diagrams."""
    require_designer(capacity)
    before = finsam.engine.spec_bpmn(capacity.forbund, process_id, old)
    after = finsam.engine.spec_bpmn(capacity.forbund, process_id, new)
    diff = diff_specs(before, after)
    old_marks = {**{k: ["removed"] for k in diff.removed}, **{k: ["changed"] for k in diff.changed}}
    new_marks = {**{k: ["added"] for k in diff.added}, **{k: ["changed"] for k in diff.changed}}
    return VersionDiff(process_id, old, new, diff,
                       render_svg(before, highlights=old_marks, title=f"version {old}"),
                       render_svg(after, highlights=new_marks, title=f"version {new}"))


@dataclass(frozen=True)
class RunningInstance:
    """A running instance as the designer sees it: where it stands, never what it is about
    (a designer reads no case: `policy.ABILITIES`)."""

    id: int
    version: int
    open_steps: list[str]
    check: MigrationCheck


def running(finsam: Finsam, capacity: Capacity, process_id: str) -> list[RunningInstance]:
    """The förbund's running instances of a process, each with its pre-check to the newest."""
    require_designer(capacity)
    rows = finsam.engine.list_instances(capacity.forbund, process_id=process_id,
                                        status="running", limit=10_000)
    return [
        RunningInstance(row.id, row.version,
                        sorted({t.name for t in finsam.engine.open_tasks_of(row.id)}),
                        finsam.engine.check_migration(capacity.forbund, row.id))
        for row in rows
    ]


def migrate(finsam: Finsam, capacity: Capacity, instance_id: int) -> InstanceView:
    """Move one running instance to the newest version (refused with reasons when unsafe)."""
    require_designer(capacity)
    return finsam.engine.migrate_instance(policy.actor(capacity), instance_id)


def corpus_dir() -> Path | None:
    """Where the MIWG reference models are: the folder FINSAM_MIWG_DIR names, or None when no
    folder is configured (then the designer sees no *Referensmodeller* at all)."""
    configured = os.environ.get(CORPUS_ENV, "").strip()
    return Path(configured) if configured else None


def corpus_configured(capacity: Capacity) -> bool:
    """Whether a corpus folder is configured (the designer's pages link to it only then)."""
    require_designer(capacity)
    return corpus_dir() is not None


def corpus(capacity: Capacity) -> list[str]:
    """The names of the MIWG reference models available, e.g. 'A.1.0' (NotFound when no corpus
    folder is configured)."""
    require_designer(capacity)
    folder = corpus_dir()
    if folder is None:
        raise NotFound("no corpus folder is configured")
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.bpmn") if _CORPUS_NAME.match(p.stem))


def corpus_images(capacity: Capacity, name: str) -> list[str]:
    """The reference images of one model: 'C.4.0.png', or 'C.4.0.1.png' … for several pages."""
    if name not in corpus(capacity):
        raise NotFound(f"no reference model {name}")
    folder = _corpus_folder()
    single = folder / f"{name}.png"
    if single.is_file():
        return [single.name]
    return sorted(p.name for p in folder.glob(f"{name}.*.png"))


def corpus_file(capacity: Capacity, filename: str) -> Path:
    """A corpus file by its listed name only (never a path from outside)."""
    stem = filename.rsplit(".", 1)[0]
    model = stem if filename.endswith(".bpmn") else stem.rsplit(".", 1)[0]
    allowed = {f"{stem}.bpmn"} if filename.endswith(".bpmn") else set()
    for name in (stem, model):
        if filename.endswith(".png") and name in corpus(capacity):
            allowed.update(corpus_images(capacity, name))
    if filename not in allowed or (filename.endswith(".bpmn") and stem not in corpus(capacity)):
        raise NotFound(f"no reference file {filename}")
    return _corpus_folder() / filename


def _corpus_folder() -> Path:
    folder = corpus_dir()
    if folder is None:
        raise NotFound("no corpus folder is configured")
    return folder
