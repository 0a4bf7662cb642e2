"""The instance folder and the key that signs session cookies.

There is no default key. FINSAM_SECRET_KEY (or the config's SECRET_KEY) wins; without one, a
random key is generated on first start into `secret_key` in the instance folder (mode 0600) and
read from there afterwards, by every worker process of the server. Several hosts behind one
address must share a configured key.
"""

from __future__ import annotations

import os
import secrets
import stat
import tempfile
from pathlib import Path

KEY_FILE = "secret_key"
MIN_PRODUCTION_LENGTH = 32


def instance_dir() -> Path:
    """FINSAM_INSTANCE_DIR, or ./instance: where the default database and the generated key
    live."""
    return Path(os.environ.get("FINSAM_INSTANCE_DIR") or Path.cwd() / "instance").absolute()


def generated_key(folder: Path) -> str:
    """The key in `folder`/secret_key, created (0600, atomically: concurrent first starts agree)
    when missing. Raises OSError when it cannot be written or read, RuntimeError when others may
    read it or it is not a key."""
    path = folder / KEY_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".secret_key.", dir=folder)  # mode 0600
        try:
            with os.fdopen(handle, "w", encoding="ascii") as file:
                file.write(secrets.token_hex(32) + "\n")
            try:
                os.link(temporary, path)  # fails if another process was first: use theirs
            except FileExistsError:
                pass
        finally:
            os.unlink(temporary)
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise RuntimeError(f"{path} may be read by others (mode {stat.filemode(mode)}): "
                           f"chmod 600 {path}")
    key = path.read_text(encoding="ascii").strip()
    if len(key) < MIN_PRODUCTION_LENGTH:
        raise RuntimeError(f"{path} does not hold a key: delete it to generate a new one")
    return key


def secret_key(configured: str | None, production: bool, folder: Path) -> str:
    """The key to sign sessions with: the configured one, else the generated one. Refuses
    (RuntimeError) an empty or short configured key in production, and any key it cannot get."""
    if configured is not None and (configured or production):
        if production and len(configured) < MIN_PRODUCTION_LENGTH:
            raise RuntimeError(
                "refusing to start in production with a weak secret key: set FINSAM_SECRET_KEY "
                f"to at least {MIN_PRODUCTION_LENGTH} random characters, or unset it to have "
                f"one generated into {folder / KEY_FILE}")
        return configured
    try:
        return generated_key(folder)
    except OSError as error:
        raise RuntimeError(
            f"refusing to start without a secret key: cannot keep one in {folder / KEY_FILE} "
            f"({error.strerror or error}); set FINSAM_SECRET_KEY or FINSAM_INSTANCE_DIR") from error
