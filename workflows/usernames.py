"""What a username may be: the one rule, asked by the operator's, the admin's and the
invitation's ways of making an account (`users`, `memberships`, `people`)."""

from __future__ import annotations

import re
import unicodedata

from engine import RESERVED_ACTORS, InvalidData

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


def check_username(username: str) -> None:
    """Refuse a username that is malformed or that the history already uses for the system
    (`system`, `timer`, ... in any case or width); raise InvalidData with a Swedish message."""
    if unicodedata.normalize("NFKC", username).casefold() in RESERVED_ACTORS:
        raise InvalidData("invalid user", {"username": (
            f"'{username}' är reserverat: så står systemet självt i ärendenas historik. "
            "Välj ett annat användarnamn.")})
    if not USERNAME_PATTERN.fullmatch(username):
        raise InvalidData("invalid user", {
            "username": "använd a–z, 0–9, punkt, understreck eller bindestreck"})
