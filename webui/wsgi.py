"""The WSGI entry point for a production server: `gunicorn webui.wsgi:app`.

Configured by the environment: FINSAM_DATABASE_URL, FINSAM_SECRET_KEY, FINSAM_ENV=production.
"""

from __future__ import annotations

from . import create_app

app = create_app()
