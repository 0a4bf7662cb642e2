"""A case's file: its note thread and its documents, each vouched for by the case's hash chain.

`notes` and `documents` write a row and its annotation event (`Engine.annotate`) in one
transaction; `store` keeps a document's bytes (in the database or a configured folder);
`checks` finds a note or document whose stored content no longer matches the sha256 its event
recorded, or that is missing (`Finsam.verify`, so `finsam replay` and the auditor's page).
"""

from __future__ import annotations
