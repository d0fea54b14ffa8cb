"""The generated secret key: made once per data directory, kept readable by its owner only.

Several processes may start at once on a fresh data directory (`plumbline serve` and its
workers), so the key is written to a temporary file and linked into place: the first link
wins and every process reads the same key.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from pathlib import Path

from plumbline.errors import ConfigurationError

KEY_BYTES = 48  # 64 URL-safe characters


def data_dir_secret(path: Path) -> str:
    """The key kept at `path`, generated there first if there is none."""
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as stream:
            stream.write(secrets.token_urlsafe(KEY_BYTES) + "\n")
        with contextlib.suppress(FileExistsError):  # another process made it first
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> str:
    try:
        key = path.read_text(encoding="ascii").strip()
    except UnicodeDecodeError:
        key = ""
    except PermissionError as exc:
        raise ConfigurationError(f"cannot read the secret key in {path}: {exc}") from exc
    if len(key) < 32:
        raise ConfigurationError(
            f"{path} does not hold a usable secret key: delete it to have a new one made "
            "(signed-in readers and open form pages will have to start again)"
        )
    return key


def token_hash(token: str) -> str:
    """What is stored of a secret handed to a browser, a mailbox or a feed reader."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
