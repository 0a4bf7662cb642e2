"""Numbers and amounts as Swedish readers write them: the one place both the page filters
(`filters`) and the form rendering (`forms`) take them from."""

from __future__ import annotations

from typing import Any

NBSP = "\u00a0"


def sv_number(value: Any) -> str:
    """3 500 000: thousands grouped with a no-break space."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return text.replace(",", NBSP).replace(".", ",")


def kronor(value: Any) -> str:
    """3 500 000 kr."""
    if value is None or value == "":
        return ""
    return f"{sv_number(value)}{NBSP}kr"
