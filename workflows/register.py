"""The national register of samordningsförbund (Försäkringskassan's list for 2023, seed 004
Bilaga 1, OCR mended) shipped as data, and the member organisations a förbund taken from it gets:
its kommuner, the region of each of its län, Arbetsförmedlingen and Försäkringskassan."""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from engine import NotFound

from .tenants import Member

__all__ = ["Member", "RegisteredForbund", "find", "register", "slugify"]

REGISTER_PATH = Path(__file__).parent / "data" / "register.json"
STATE_MEMBERS = (Member("af", "af", "Arbetsförmedlingen"),
                 Member("fk", "fk", "Försäkringskassan"))


@dataclass(frozen=True)
class RegisteredForbund:
    """One förbund of the register: its name and its member kommuner by län."""

    name: str
    kommuner: dict[str, list[str]]
    regions: dict[str, str]

    @property
    def members(self) -> list[Member]:
        """Arbetsförmedlingen, Försäkringskassan, the region of each län, then the kommuner."""
        regions = [Member(slugify(self.regions[lan]), "region", self.regions[lan])
                   for lan in self.kommuner]
        kommuner = [Member(slugify(k), "kommun", k) for ks in self.kommuner.values() for k in ks]
        return [*STATE_MEMBERS, *regions, *kommuner]


def slugify(name: str) -> str:
    """An organisation's short name from its Swedish name: `Upplands Väsby` → `upplands-vasby`."""
    plain = unicodedata.normalize("NFKD", name.casefold())
    ascii_only = "".join(c for c in plain if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")[:63]


@cache
def _document() -> dict[str, Any]:
    with REGISTER_PATH.open(encoding="utf-8") as handle:
        return json.load(handle)  # type: ignore[no-any-return]


def register() -> list[RegisteredForbund]:
    """Every förbund of the register, in its order (by län)."""
    document = _document()
    return [RegisteredForbund(f["name"], f["kommuner"], document["regions"])
            for f in document["forbund"]]


def find(name: str) -> RegisteredForbund:
    """The förbund of the register named `name` (case and å/ä/ö need not match); NotFound with
    the closest names otherwise."""
    entries = register()
    wanted = slugify(name)
    for entry in entries:
        if slugify(entry.name) == wanted:
            return entry
    close = difflib.get_close_matches(name, [e.name for e in entries], n=3, cutoff=0.5)
    hint = f"; menar du {' eller '.join(repr(c) for c in close)}?" if close else \
        "; se listan med finsam forbund register"
    raise NotFound(f"'{name}' finns inte i registret över samordningsförbund 2023{hint}")
