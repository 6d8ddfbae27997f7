"""A private cache of validated knowledge, keyed on the file's content.

Parsing YAML costs more than the rest of a run, so a validated copy of the plain data is kept in marshal
format. The cache is trusted only as far as it deserves:
- the key is a SHA-256 of the knowledge file's bytes (plus this baclo's version and the cache format), so an
  edited file is always re-read, whatever its size, modification time or path;
- the folder is created private (0700) and is used only if it belongs to this user and nobody else can
  write to it;
- a file is written through a securely created temporary file (``mkstemp``: random name, ``O_EXCL``) and
  renamed into place; it is read with ``O_NOFOLLOW``, so a planted symbolic link is never followed;
- each file starts with a header (magic, payload length, SHA-256 of the payload) checked before
  ``marshal`` decodes anything, so a truncated, corrupt or crafted file is ignored (and the YAML re-parsed).
"""

from __future__ import annotations

import contextlib
import marshal
import os
import stat
from pathlib import Path
from typing import Any

try:  # the bare C module: hashlib would load OpenSSL, a few milliseconds on every run
    from _sha256 import sha256  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - Python 3.12 renamed it
    from hashlib import sha256

from . import __version__

CACHE_FORMAT = 3
MAGIC = b"BACLOC3\n"
_HEADER = len(MAGIC) + 8 + 32
MAX_CACHE_BYTES = 32 * 1024 * 1024


def cache_dir() -> Path:
    explicit = os.environ.get("BACLO_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "baclo"


def enabled() -> bool:
    return os.environ.get("BACLO_NO_CACHE", "").strip().lower() in ("", "0", "false", "no", "off")


def content_key(raw: bytes) -> str:
    digest = sha256(raw)
    digest.update(f"\0{CACHE_FORMAT}\0{__version__}".encode())
    return str(digest.hexdigest())


def _private_dir(create: bool) -> Path | None:
    """The cache folder if it is safe to use: ours, a real folder, writable by nobody else."""
    folder = cache_dir()
    if create:
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError:
            return None
    try:
        info = os.lstat(folder)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_mode & 0o022:
        return None
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return None
    return folder


def read(key: str) -> Any:
    """The cached data for ``key``, or None on any doubt."""
    folder = _private_dir(create=False)
    if folder is None:
        return None
    try:
        fd = os.open(folder / f"knowledge-{key}.marshal", os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_CACHE_BYTES or info.st_size < _HEADER:
                return None
            blob = handle.read(MAX_CACHE_BYTES + 1)
    except OSError:
        return None
    if not blob.startswith(MAGIC):
        return None
    length = int.from_bytes(blob[len(MAGIC) : len(MAGIC) + 8], "big")
    checksum = blob[len(MAGIC) + 8 : _HEADER]
    payload = blob[_HEADER:]
    if length != len(payload) or sha256(payload).digest() != checksum:
        return None
    try:
        cached = marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return None
    if not isinstance(cached, dict) or cached.get("key") != key:
        return None
    return cached.get("data")


def write(key: str, data: Any) -> None:
    """Best effort: a read-only home, a full disk or an unsafe folder only costs speed."""
    folder = _private_dir(create=True)
    if folder is None:
        return
    try:
        payload = marshal.dumps({"key": key, "data": data})
    except ValueError:
        return
    blob = MAGIC + len(payload).to_bytes(8, "big") + sha256(payload).digest() + payload
    import tempfile

    tmp = ""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".knowledge-", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as handle:
            handle.write(blob)
        os.replace(tmp, folder / f"knowledge-{key}.marshal")
    except OSError:
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
