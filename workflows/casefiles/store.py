"""Where a document's bytes are kept: in its row (the default) or in a folder, behind one
interface."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from ..models import CaseDocument


class DocumentStore(Protocol):
    """Keeps and returns the bytes of a case's documents."""

    def put(self, row: CaseDocument, content: bytes) -> None:
        """Keep `content` for `row` (before the row is committed)."""

    def get(self, row: CaseDocument) -> bytes | None:
        """The kept bytes of `row`, or None when they are missing."""


class DatabaseStore:
    """The bytes in the document's own row (`case_document.content`)."""

    def put(self, row: CaseDocument, content: bytes) -> None:
        """Keep the bytes in the row itself."""
        row.content = content

    def get(self, row: CaseDocument) -> bytes | None:
        """The bytes of the row."""
        return row.content


class FolderStore:
    """The bytes in a folder, one file per document: `<root>/<förbund>/<key>`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, row: CaseDocument) -> Path:
        # The key is a uuid4 the system made and the förbund a checked slug: no path parts.
        return self.root / row.tenant / row.key

    def put(self, row: CaseDocument, content: bytes) -> None:
        """Write the file (through a temporary name, so a half-written file is never read)."""
        path = self._path(row)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_bytes(content)
        os.replace(partial, path)
        row.content = None

    def get(self, row: CaseDocument) -> bytes | None:
        """The file's bytes, or None when it is missing."""
        try:
            return self._path(row).read_bytes()
        except FileNotFoundError:
            return None


def store_from_env() -> DocumentStore:
    """A `FolderStore` at `FINSAM_DOCUMENT_DIR` when it is set, else the `DatabaseStore`."""
    folder = os.environ.get("FINSAM_DOCUMENT_DIR")
    return FolderStore(Path(folder)) if folder else DatabaseStore()
