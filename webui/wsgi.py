"""The WSGI entry point for a production server: `gunicorn webui.wsgi:app`.

Configured by the environment: FINSAM_DATABASE_URL, FINSAM_ENV=production, FINSAM_SECRET_KEY (or
a key generated into FINSAM_INSTANCE_DIR), FINSAM_TRUSTED_PROXIES behind a reverse proxy.
"""

from __future__ import annotations

from . import create_app

app = create_app()
