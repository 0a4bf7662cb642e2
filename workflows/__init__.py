"""finsam-flow's domain: förbund, parties, roles, the rules of the two routes, and the system
facade that the web app and the CLI call. Uses `engine`; never imports `webui` or Flask."""

from __future__ import annotations

from .parties import Capacity
from .system import Finsam

__all__ = ["Capacity", "Finsam"]
