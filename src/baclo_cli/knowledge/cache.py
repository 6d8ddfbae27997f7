"""A private cache of checked knowledge, keyed on the file's content, read one section at a time.

Parsing and checking YAML costs more than the rest of a run, so the checked data is kept in marshal format,
cut into sections (``meta``, each ``topic/NAME``, ``references``, ``glossary``, ``dose_bands``) so a run
reads only what it shows. The cache is trusted only as far as it deserves:
- an entry's key is a BLAKE2b checksum of the knowledge file's bytes (plus this baclo's version and the cache format),
  so an edited file is always re-read, whatever its size, modification time or path. To avoid hashing the
  file on every run, a small memo maps the file's identity (device, inode, size, modification *and change*
  times) to its key; the change time cannot be set back by a user (``cp -p``, ``touch -d``, tar extraction
  and a switched symbolic link all give a new one), so any edit misses the memo and the bytes are hashed;
- the memo is "racy" as git's index is: on a filesystem whose timestamps tick once a second (ext3, ext4 with
  small inodes, HFS+, FAT's two seconds, many network mounts), a same-size edit in the same tick as the run
  that took the identity leaves every timestamp as it was. So, as git does for a racily clean index entry,
  an identity taken while the file's timestamps were too recent to tell (within ``RACY_NS`` of the moment it
  was taken) is never recorded: the next run hashes the bytes, and the identity is recorded once the file has
  been still for longer than a tick;
- the folder is created private (0700) and used only if it belongs to this user and nobody else can write
  to it; files are written to a new file of a random name (``O_EXCL``) and renamed into place, and read
  with ``O_NOFOLLOW``, so a planted symbolic link is never followed;
- an entry starts with a header (magic, index length, BLAKE2b checksum of the index) and every section carries its
  own BLAKE2b checksum, all checked before ``marshal`` decodes anything, and a section's place in the decoded
  index is checked field by field before it is used; the memo is a line of text with its own checksum, never
  decoded by ``marshal`` (five crafted bytes can ask ``marshal`` for a list of two billion items). On any doubt
  the entry or memo is not used, and the run that finds it writes a good one in its place.
"""

from __future__ import annotations

import marshal
import os
import stat

from baclo_cli import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeGuard

try:  # the bare C module: hashlib would load OpenSSL, a few milliseconds on every run
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a Python built without it
    from hashlib import blake2b


def digest(data: bytes = b"") -> Any:
    """The one checksum of the cache (names, keys, sections): BLAKE2b, 32 bytes. Its C module is three times as
    fast as the bare SHA-256 one (0.23 against 0.69 ms for the 220 kB search section) and as cheap to import."""
    return blake2b(data, digest_size=32)


CACHE_FORMAT = 11
MAGIC = b"BACLOC11"
MEMO_MAGIC = b"BACLOM11"
_HEADER = len(MAGIC) + 8 + 32
MAX_INDEX_BYTES = 4 * 1024 * 1024
MAX_SECTION_BYTES = 64 * 1024 * 1024
KEEP_ENTRIES = 4  # knowledge entries kept: the bundled file and a few of one's own (--data, BACLO_DATA)
KEEP_BLOBS = 64  # help texts kept (one per command and terminal width asked)
# Coarser than any filesystem's timestamps (FAT's modification time ticks every two seconds): an identity taken
# this close to the file's last change could also be the identity of a second write in the same tick.
RACY_NS = 2_000_000_000


def cache_dir() -> str:
    explicit = os.environ.get("BACLO_CACHE_DIR")
    if explicit:
        return os.path.expanduser(explicit)  # as BACLO_DATA and BACLO_HOME
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
    """A BLAKE2b checksum of the size and modification time of every module of the installed package (found by walking
    it, not from a list of names, so a moved or added module still changes the key)."""
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
    return str(digest(";".join(parts).encode("utf-8", "surrogateescape")).hexdigest())


def content_key(raw: bytes) -> str:
    summed = digest(raw)
    summed.update(f"\0{CACHE_FORMAT}\0{__version__}\0{_build()}".encode())
    return str(summed.hexdigest())


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
    try:  # (O_NONBLOCK: a named pipe planted here must not hold the run until someone writes to it)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
            os.close(fd)  # a folder, a pipe, a device, or someone else's: not ours to read
            return None
        return os.fdopen(fd, "rb")
    except OSError:
        os.close(fd)
        return None


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


# --- blobs (help texts, kept answers, quiz drafts) -------------------------------------------------------------------


def blob_name(kind: str, *parts: str) -> str:
    """A file name for a blob of ``kind`` keyed on ``parts`` and this baclo's code (every module)."""
    # (An argument's undecodable bytes are lone surrogates in ``parts``: summed as they are, never refused.)
    summed = digest("\0".join((CACHE_FORMAT.__str__(), __version__, _build(), *parts)).encode("utf-8", "surrogatepass"))
    return f"{kind}-{str(summed.hexdigest())[:40]}"


def read_blob(name: str, magic: bytes, limit: int = 1 << 20) -> bytes | None:
    """The body of a blob written by ``write_blob`` with ``magic``, or None if there is none, it is longer than
    ``limit``, or its checksum does not match (a torn or damaged file is a miss, never half an answer)."""
    folder = _private_dir(create=False) if enabled() else None
    handle = _open(os.path.join(folder, name)) if folder else None
    if handle is None:
        return None
    with handle:
        try:
            blob = bytes(handle.read(len(magic) + 65 + limit + 1))
        except OSError:
            return None
    if not blob.startswith(magic):
        return None
    summed, _, body = blob[len(magic) :].partition(b"\n")
    if len(body) > limit or summed != digest(body).hexdigest().encode():
        return None
    return body


def read_value(name: str, magic: bytes, limit: int) -> tuple[Any] | None:
    """The plain data kept under ``name`` (``marshal``, after ``magic``), as a one-item tuple (what was kept may be
    None), or None when nothing readable is kept. Its shape is the caller's to check."""
    body = read_blob(name, magic, limit)
    if body is None:
        return None
    try:
        return (marshal.loads(body),)
    except Exception:  # any doubt (a damaged or crafted body can make marshal fail in any way) is a miss
        return None


def write_blob(name: str, magic: bytes, body: bytes) -> None:
    """Keep ``body`` under ``name``, after ``magic`` and its checksum (best effort, like every cache write)."""
    folder = _private_dir(create=True) if enabled() else None
    if folder is not None:
        _write_file(folder, name, magic + digest(body).hexdigest().encode() + b"\n" + body)
        prune(folder, name.split("-", 1)[0] + "-", KEEP_BLOBS, keep=name)


# --- the identity memo ---------------------------------------------------------------------------------------


def fingerprint(path: str) -> tuple[int, ...] | None:
    """The file's identity (device, inode, size, modification and change times), and the moment it was taken."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    import time

    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns, time.time_ns())


def racy(print_: tuple[int, ...]) -> bool:
    """True when the identity was taken too soon after the file last changed to stand for its content: a
    write later in the same timestamp tick would leave it as it is (git's "racily clean" entry)."""
    return print_[5] - max(print_[3], print_[4]) < RACY_NS


def _memo_name(path: str) -> str:
    return "file-" + str(digest(os.fsencode(os.path.abspath(path))).hexdigest())[:32]


def _is_key(key: str) -> bool:
    return len(key) == 64 and not key.strip("0123456789abcdef")


def _memo_text(print_: tuple[int, ...], key: str) -> bytes:
    """One line of text: the identity, the content key and the code that checked the content."""
    return " ".join([*(str(n) for n in print_[:5]), key, _build()]).encode("ascii")


def remembered_key(path: str, print_: tuple[int, ...] | None) -> str | None:
    """The content key recorded for this file when it had exactly this identity, or None."""
    folder = _private_dir(create=False)
    if folder is None or print_ is None:
        return None
    handle = _open(os.path.join(folder, _memo_name(path)))
    if handle is None:
        return None
    with handle:
        blob = handle.read(1024)
    head, _, body = blob.partition(b"\n")
    if head != MEMO_MAGIC + digest(body).hexdigest().encode("ascii"):
        return None
    parts = body.split(b" ")
    key = parts[5].decode("ascii", "replace") if len(parts) == 7 else ""
    # The same identity, recorded by this code (another build's key may stand for data this code would not
    # accept); an identity taken while racy was never recorded (``remember_key``).
    if not _is_key(key) or body != _memo_text(print_, key):
        return None
    return key


def remember_key(path: str, print_: tuple[int, ...] | None, key: str) -> None:
    """Record the file's identity for its content key, unless the identity was taken while racy."""
    if print_ is None or racy(print_):
        return
    folder = _private_dir(create=True)
    if folder is not None:
        body = _memo_text(print_, key)
        _write_file(folder, _memo_name(path), MEMO_MAGIC + digest(body).hexdigest().encode("ascii") + b"\n" + body)
        prune(folder, "file-", KEEP_BLOBS, keep=_memo_name(path))


# --- entries -----------------------------------------------------------------------------------------------


class Entry:
    """An open cache entry; ``section(name)`` reads, checks and decodes one section, or raises LookupError.

    A section's place in the index is checked when the section is read, not all at once on opening: a run
    reads a few sections, and the index of a large file lists thousands."""

    def __init__(self, handle: Any, sections: dict[Any, Any], start: int) -> None:
        self._handle = handle
        self._index = sections
        self._start = start  # where the sections begin: after the header and the index

    def section(self, name: str) -> Any:
        where = self._index.get(name)
        if not _plausible_place(where):
            raise LookupError(name)
        offset, length, checksum = where
        try:
            self._handle.seek(self._start + offset)
            blob = self._handle.read(length)
        except (OSError, ValueError):
            raise LookupError(name) from None
        if len(blob) != length or digest(blob).digest() != checksum:
            raise LookupError(name)
        try:
            return marshal.loads(blob)
        except Exception:  # whatever marshal makes of it, the section is not used
            raise LookupError(name) from None


def _plausible_place(where: Any) -> TypeGuard[tuple[int, int, bytes]]:
    """(offset, size, checksum) of the right types and in range."""
    if type(where) is not tuple or len(where) != 3:
        return False
    offset, size, summed = where
    return (
        type(offset) is int
        and type(size) is int
        and type(summed) is bytes
        and len(summed) == 32
        and 0 <= offset <= MAX_SECTION_BYTES * 64
        and 0 <= size <= MAX_SECTION_BYTES
    )


def read(key: str) -> Entry | None:
    """The entry for ``key`` with its index's checksum and shape checked, or None on any doubt."""
    folder = _private_dir(create=False)
    if folder is None or not _is_key(key):
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
        if len(blob) != length or digest(blob).digest() != head[len(MAGIC) + 8 :]:
            raise ValueError("index checksum")
        index = marshal.loads(blob)
        if type(index) is not dict or index.get("key") != key or type(index.get("sections")) is not dict:
            raise ValueError("index")
    except Exception:  # any doubt (a crafted index can make marshal fail in any way) is a miss
        handle.close()
        return None
    return Entry(handle, index["sections"], _HEADER + length)


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
        index[name] = (offset, len(blob), digest(blob).digest())
        offset += len(blob)
    head = marshal.dumps({"key": key, "sections": index})
    body = b"".join(blobs.values())
    _write_file(
        folder, f"knowledge-{key}.marshal", MAGIC + len(head).to_bytes(8, "big") + digest(head).digest() + head + body
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
