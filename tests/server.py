"""The app as production runs it: gunicorn with several worker processes, on a database of its own.

`Server` starts `gunicorn -w 4 'webui.wsgi:app'` in a new process group, waits for /healthz, and
can SIGKILL the whole group (master and workers at once) and start it again on the same port.
`own_postgres_url` gives a test or a benchmark a PostgreSQL database nobody else drops.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
STRESS = os.environ.get("FINSAM_STRESS") == "1"  # bigger counts for the load and crash tests
SECRET = "reliability-tests-secret-key-0123456789"


def own_postgres_url(base_url: str, name: str) -> str:
    """The URL of database `name` on the server of `base_url`, created if missing, with a fresh,
    empty public schema."""
    url = make_url(base_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                       {"n": name})
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    own = url.set(database=name).render_as_string(hide_password=False)
    engine = create_engine(own)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    return own


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """gunicorn serving the app over `database_url` on 127.0.0.1."""

    def __init__(self, database_url: str, log_path: Path, workers: int = 4,
                 env: dict[str, str] | None = None) -> None:
        self.database_url = database_url
        self.log_path = log_path
        self.workers = workers
        self.port = free_port()
        self.extra_env = env or {}
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.starts = 0
        self.kills = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "gunicorn", "-w", str(self.workers),
                "-b", f"127.0.0.1:{self.port}", "--timeout", "120", "--graceful-timeout", "5",
                "webui.wsgi:app"]

    def environment(self) -> dict[str, str]:
        env = {**os.environ, "FINSAM_DATABASE_URL": self.database_url,
               "FINSAM_SECRET_KEY": SECRET, "FINSAM_INSECURE_COOKIES": "1",
               "FINSAM_ENV": "production", **self.extra_env}
        env.pop("FINSAM_TEST_POSTGRES_URL", None)
        return env

    def start(self, timeout: float = 60.0) -> None:
        """Start and wait until /healthz answers 200."""
        self._log = open(self.log_path, "ab")  # closed by stop() and kill()
        self.process = subprocess.Popen(
            self.command(), cwd=ROOT, env=self.environment(), stdout=self._log,
            stderr=subprocess.STDOUT, start_new_session=True)
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._close_log()
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}: "
                                   + self.log_tail())
            if self.health() == 200:
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("gunicorn did not become healthy: " + self.log_tail())

    def health(self) -> int | None:
        """The status of GET /healthz, or None when nothing answers."""
        try:
            with urllib.request.urlopen(self.base_url + "/healthz", timeout=5) as response:
                json.loads(response.read())
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)
        except (OSError, ValueError):
            return None

    def kill(self) -> None:
        """SIGKILL the master and every worker at once, as a power cut would."""
        assert self.process is not None
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        self._wait_group_gone()
        self.kills += 1
        self._close_log()

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), then make sure nothing of the group is left."""
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=20)
            except ProcessLookupError:
                pass
        self._wait_group_gone()
        self._close_log()

    def _wait_group_gone(self) -> None:
        """Until no process of the group runs (zombies hold no port and no connection)."""
        assert self.process is not None
        deadline = time.monotonic() + 10
        while group_alive(self.process.pid) and time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                return
            time.sleep(0.05)

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(errors="replace").splitlines() if self.log_path.exists() \
            else []


def group_alive(pgid: int) -> bool:
    """Whether a process of group `pgid` is still running (not a zombie), as /proc tells."""
    proc = Path("/proc")
    if not proc.is_dir():
        return False
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if len(fields) > 2 and fields[0] != "Z" and int(fields[2]) == pgid:
            return True
    return False


def drop_database(base_url: str, name: str) -> None:
    """Drop database `name` (and cut any connection still open to it)."""
    admin = create_engine(make_url(base_url).set(database="postgres"),
                          isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
