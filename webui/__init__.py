"""finsam-flow's web app: `create_app(config)`."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create the Flask app over the database in `config["DATABASE_URL"]`."""
    from .app import build_app

    return build_app(config or {})
