"""A private cache of checked knowledge, keyed on the file's content, read one section at a time.

Parsing and checking YAML costs more than the rest of a run, so the checked data is kept in marshal format,
cut into sections (``meta``, each ``topic/NAME``, ``references``, ``glossary``, ``dose_bands``) so a run
reads only what it shows. The cache is trusted only as far as it deserves:
- an entry's key is a SHA-256 of the knowledge file's bytes (plus this baclo's version and the cache format),
  so an edited file is always re-read, whatever its size, modification time or path. To avoid hashing the
  file on every run, a small memo maps the file's identity (device, inode, size, modification *and change*
  times) to its key; the change time cannot be set back by a user (``cp -p``, ``touch -d``, tar extraction
  and a switched symbolic link all give a new one), so any edit misses the memo and the bytes are hashed;
- the folder is created private (0700) and used only if it belongs to this user and nobody else can write
  to it; files are written through ``mkstemp`` (random name, ``O_EXCL``) and renamed into place, and read
  with ``O_NOFOLLOW``, so a planted symbolic link is never followed;
- an entry starts with a header (magic, index length, SHA-256 of the index) and every section carries its
  own SHA-256, all checked before ``marshal`` decodes anything; on any doubt the entry is not used.
"""

from __future__ import annotations

import marshal
import os
import stat

from baclo_cli import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

try:  # the bare C module: hashlib would load OpenSSL, a few milliseconds on every run
    from _sha256 import sha256  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - Python 3.12 renamed it
    from hashlib import sha256

CACHE_FORMAT = 6
MAGIC = b"BACLOC6\n"
_HEADER = len(MAGIC) + 8 + 32
MAX_INDEX_BYTES = 4 * 1024 * 1024
MAX_SECTION_BYTES = 64 * 1024 * 1024
KEEP_ENTRIES = 4  # knowledge entries kept: the bundled file and a few of one's own (--data, BACLO_DATA)
KEEP_BLOBS = 64  # help texts kept (one per command and terminal width asked)


def cache_dir() -> str:
    explicit = os.environ.get("BACLO_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "baclo")


def enabled() -> bool:
    return os.environ.get("BACLO_NO_CACHE", "").strip().lower() in ("", "0", "false", "no", "off")


_BUILD: str | None = None


def _build() -> str:
    """The code that decides what 'checked' means and how sections are cut: a cache entry written by other
    code (an edited checkout, another install sharing the folder) must not be trusted by this one. Worked out
    once a run."""
    global _BUILD
    if _BUILD is None:
        _BUILD = _fingerprint_code()
    return _BUILD


def _fingerprint_code() -> str:
    """Size and modification time of every module of the installed package (found by walking it, not from a
    list of names, so a moved or added module still changes the key)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parts = []
    folders = [package]
    while folders:
        folder = folders.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            parts.append(f"{folder}:unreadable")
            continue
        for entry in entries:
            if entry.name.endswith(".py"):
                try:
                    info = entry.stat()
                    parts.append(f"{os.path.relpath(entry.path, package)}:{info.st_size}:{info.st_mtime_ns}")
                except OSError:
                    parts.append(f"{entry.name}:?")
            elif entry.is_dir(follow_symlinks=False) and not entry.name.startswith((".", "__")):
                folders.append(entry.path)
    return ";".join(parts)


def content_key(raw: bytes) -> str:
    digest = sha256(raw)
    digest.update(f"\0{CACHE_FORMAT}\0{__version__}\0{_build()}".encode())
    return str(digest.hexdigest())


def _private_dir(create: bool) -> str | None:
    """The cache folder if it is safe to use: ours, a real folder, writable by nobody else."""
    folder = cache_dir()
    if create:
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
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


def _open(path: str) -> Any:
    """A regular file of ours, opened without following links, or None."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    handle = os.fdopen(fd, "rb")
    info = os.fstat(handle.fileno())
    if not stat.S_ISREG(info.st_mode) or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
        handle.close()
        return None
    return handle


def _write_file(folder: str, name: str, blob: bytes) -> None:
    """Write through a new private file of a random name (O_EXCL: never an existing file or link), renamed
    into place. (Not ``tempfile``: importing it costs every run that writes the cache.)"""
    tmp = ""
    try:
        tmp = os.path.join(folder, f".baclo-{os.urandom(8).hex()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(blob)
        os.replace(tmp, os.path.join(folder, name))
        tmp = ""
    except OSError:
        pass
    finally:
        if tmp:
            try:  # noqa: SIM105 - contextlib costs start-up time on every run
                os.unlink(tmp)
            except OSError:
                pass


# --- small text blobs (the CLI's help text) -------------------------------------------------------------------


def blob_name(kind: str, *parts: str) -> str:
    """A file name for a blob of ``kind`` keyed on ``parts`` and this baclo's code (every module)."""
    digest = sha256("\0".join((CACHE_FORMAT.__str__(), __version__, _build(), *parts)).encode())
    return f"{kind}-{str(digest.hexdigest())[:40]}"


def read_blob(name: str, limit: int = 1 << 20) -> bytes | None:
    folder = _private_dir(create=False) if enabled() else None
    handle = _open(os.path.join(folder, name)) if folder else None
    if handle is None:
        return None
    with handle:
        try:
            return bytes(handle.read(limit))
        except OSError:
            return None


def write_blob(name: str, blob: bytes) -> None:
    folder = _private_dir(create=True) if enabled() else None
    if folder is not None:
        _write_file(folder, name, blob)
        prune(folder, name.split("-", 1)[0] + "-", KEEP_BLOBS, keep=name)


# --- the identity memo ---------------------------------------------------------------------------------------


def fingerprint(path: str) -> tuple[int, ...] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _memo_name(path: str) -> str:
    return "file-" + str(sha256(os.path.abspath(path).encode()).hexdigest())[:32]


def remembered_key(path: str, print_: tuple[int, ...] | None) -> str | None:
    """The content key recorded for this file when it had exactly this identity, or None."""
    folder = _private_dir(create=False)
    if folder is None or print_ is None:
        return None
    handle = _open(os.path.join(folder, _memo_name(path)))
    if handle is None:
        return None
    with handle:
        blob = handle.read(4096)
    try:
        memo = marshal.loads(blob)
    except (ValueError, EOFError, TypeError):
        return None
    if not isinstance(memo, tuple) or len(memo) != 3 or memo[0] != print_ or not isinstance(memo[1], str):
        return None
    if memo[2] != _build():  # written by other code: its key may stand for data this code would not accept
        return None
    import time

    if time.time_ns() - print_[4] < 2_000_000_000:  # changed in the last two seconds: a coarse clock could hide
        return None  # a second write in the same tick, so hash the bytes
    return memo[1]


def remember_key(path: str, print_: tuple[int, ...] | None, key: str) -> None:
    folder = _private_dir(create=True)
    if folder is not None and print_ is not None:
        _write_file(folder, _memo_name(path), marshal.dumps((print_, key, _build())))
        prune(folder, "file-", KEEP_BLOBS, keep=_memo_name(path))


# --- entries -----------------------------------------------------------------------------------------------


class Entry:
    """An open cache entry; ``section(name)`` reads, checks and decodes one section, or raises LookupError."""

    def __init__(self, handle: Any, index: dict[str, tuple[int, int, bytes]]) -> None:
        self._handle = handle
        self._index = index

    def section(self, name: str) -> Any:
        where = self._index.get(name)
        if where is None:
            raise LookupError(name)
        offset, length, checksum = where
        try:
            self._handle.seek(_HEADER + offset)
            blob = self._handle.read(length)
        except (OSError, ValueError):
            raise LookupError(name) from None
        if len(blob) != length or sha256(blob).digest() != checksum:
            raise LookupError(name)
        try:
            return marshal.loads(blob)
        except (ValueError, EOFError, TypeError):
            raise LookupError(name) from None


def read(key: str) -> Entry | None:
    """The entry for ``key`` with its index checked, or None on any doubt."""
    folder = _private_dir(create=False)
    if folder is None:
        return None
    handle = _open(os.path.join(folder, f"knowledge-{key}.marshal"))
    if handle is None:
        return None
    try:
        head = handle.read(_HEADER)
        if len(head) != _HEADER or not head.startswith(MAGIC):
            raise ValueError("header")
        length = int.from_bytes(head[len(MAGIC) : len(MAGIC) + 8], "big")
        if length > MAX_INDEX_BYTES:
            raise ValueError("index size")
        blob = handle.read(length)
        if len(blob) != length or sha256(blob).digest() != head[len(MAGIC) + 8 :]:
            raise ValueError("index checksum")
        index = marshal.loads(blob)
        if not isinstance(index, dict) or index.get("key") != key or not isinstance(index.get("sections"), dict):
            raise ValueError("index")
        sections = index["sections"]
        for where in sections.values():
            if not isinstance(where, tuple) or len(where) != 3 or not 0 <= where[1] <= MAX_SECTION_BYTES:
                raise ValueError("section")
    except (OSError, ValueError, EOFError, TypeError):
        handle.close()
        return None
    # The index sits after the header; sections follow the index.
    return Entry(handle, {name: (length + offset, size, digest) for name, (offset, size, digest) in sections.items()})


def write(key: str, sections: dict[str, Any]) -> None:
    """Best effort: a read-only home, a full disk or an unsafe folder only costs speed."""
    folder = _private_dir(create=True)
    if folder is None:
        return
    try:
        blobs = {name: marshal.dumps(value) for name, value in sections.items()}
    except ValueError:
        return
    index: dict[str, tuple[int, int, bytes]] = {}
    offset = 0
    for name, blob in blobs.items():
        index[name] = (offset, len(blob), sha256(blob).digest())
        offset += len(blob)
    head = marshal.dumps({"key": key, "sections": index})
    body = b"".join(blobs.values())
    _write_file(
        folder, f"knowledge-{key}.marshal", MAGIC + len(head).to_bytes(8, "big") + sha256(head).digest() + head + body
    )
    prune(folder, "knowledge-", KEEP_ENTRIES, keep=f"knowledge-{key}.marshal")


def prune(folder: str, prefix: str, most: int, keep: str = "") -> None:
    """Delete all but the ``most`` newest files named ``prefix...`` (never ``keep``): an edited knowledge file
    replaces its entry, so the folder holds what the current files need, not one entry per edit ever made."""
    try:
        entries = [e for e in os.scandir(folder) if e.name.startswith(prefix) and e.name != keep]
        entries.sort(key=lambda e: e.stat(follow_symlinks=False).st_mtime_ns, reverse=True)
    except OSError:
        return
    for entry in entries[max(most - (1 if keep else 0), 0) :]:
        try:  # noqa: SIM105 - contextlib costs start-up time on every run
            os.unlink(entry.path)
        except OSError:
            pass
