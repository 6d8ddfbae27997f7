"""Ask DailyMed's web services for labels' version histories: the only code in baclo that opens a connection.

Imported only by ``baclo labels --check`` (a test runs every other command with sockets forbidden). Standard
library only: ``urllib`` follows the user's proxy settings and checks certificates. Each request runs in a
worker thread that the caller waits for at most ``--timeout`` seconds (and never past ``--total-timeout`` for
the whole check), so a slow or trickling server cannot hold a run longer than that. Redirects are not followed.
Every failure becomes one ``LabelServiceError`` line (exit 7); nothing is printed until every answer is in.
"""

from __future__ import annotations

import os
import threading
import time

from baclo_cli.answers.labels import Version, parse_history
from baclo_cli.errors import BadValue, LabelServiceError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

DEFAULT_BASE = "https://dailymed.nlm.nih.gov/dailymed/services/v2"
MAX_ANSWER = 2 * 1024 * 1024  # bytes; a version history of 100 entries is a few kilobytes
MAX_PAGES = 20  # 100 versions a page: far beyond any label's history
NOT_LISTED = (404, 410)


def service_base() -> str:
    """``BACLO_DAILYMED_URL`` (a mirror, a test server) or DailyMed's own address, without a trailing slash."""
    import re

    from baclo_cli.text import CONTROL

    base = os.environ.get("BACLO_DAILYMED_URL", "").strip() or DEFAULT_BASE
    if re.search(CONTROL, base) or not re.fullmatch(r"https?://[^\s/?#@]+(/[^\s?#]*)?", base):
        raise BadValue(
            f"BACLO_DAILYMED_URL must be an http:// or https:// address without spaces, query or fragment, "
            f"got '{base[:200]}'"
        )
    return base.rstrip("/")


def _host(url: str) -> str:
    return url.split("/", 3)[2]


class _Answer:
    """What the worker thread hands back: a status and body, or the exception it met."""

    __slots__ = ("body", "error", "status")

    def __init__(self) -> None:
        self.status = 0
        self.body = b""
        self.error: BaseException | None = None


def _request(url: str, limit: float, answer: _Answer) -> None:
    import urllib.error
    import urllib.request

    from baclo_cli import __version__

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None  # urllib then raises HTTPError with the 3xx code, reported as a redirect

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(
        url, headers={"Accept": "application/json", "User-Agent": f"baclo/{__version__} (labels --check)"}
    )
    try:
        with opener.open(request, timeout=limit) as response:
            answer.status = response.status
            answer.body = response.read(MAX_ANSWER + 1)
    except urllib.error.HTTPError as error:
        answer.status = error.code
        answer.error = error if error.code not in NOT_LISTED else None
        error.close()
    except BaseException as error:  # handed to the caller's thread, which names it
        answer.error = error


def _describe(error: BaseException, url: str, limit: float, which: str) -> LabelServiceError:
    """One line saying what went wrong, in the words a user can act on."""
    import http.client
    import socket
    import ssl
    import urllib.error

    host = _host(url)
    if isinstance(error, urllib.error.HTTPError):
        if 300 <= error.code < 400:
            where = (error.headers.get("Location") or "an address it did not give")[:200]
            return LabelServiceError(
                f"{host} answered with a redirect (HTTP {error.code}) to {where}; baclo does not follow "
                "redirects: set BACLO_DAILYMED_URL to the address you trust"
            )
        return LabelServiceError(f"{host} answered HTTP {error.code} {error.reason} for {url}")
    reason: Any = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, socket.gaierror):
        return LabelServiceError(f"cannot look up {host} (offline, or a DNS failure): {reason.strerror or reason}")
    if isinstance(reason, ConnectionRefusedError):
        return LabelServiceError(f"{host} refused the connection")
    if isinstance(reason, TimeoutError):
        return LabelServiceError(f"no answer from {host} within {limit:g} s ({which})")
    if isinstance(reason, (ssl.SSLError, ssl.CertificateError)):
        return LabelServiceError(f"the secure connection to {host} failed: {getattr(reason, 'reason', reason)}")
    if isinstance(reason, (http.client.HTTPException, ConnectionResetError, BrokenPipeError)):
        return LabelServiceError(f"{host} closed the connection before answering in full")
    if isinstance(reason, OSError):
        return LabelServiceError(f"cannot reach {host} (offline?): {reason.strerror or reason}")
    return LabelServiceError(f"cannot read the answer from {host}: {type(reason).__name__}")


def fetch(url: str, limit: float, which: str) -> tuple[int, bytes]:
    """GET ``url``: (status, body), waiting at most ``limit`` seconds; any failure raises LabelServiceError."""
    answer = _Answer()
    worker = threading.Thread(target=_request, args=(url, limit, answer), name="baclo-dailymed", daemon=True)
    worker.start()
    worker.join(limit)
    if worker.is_alive():  # the thread is abandoned; it dies with the process
        raise LabelServiceError(f"no answer from {_host(url)} within {limit:g} s ({which})")
    if answer.error is not None:
        raise _describe(answer.error, url, limit, which)
    if len(answer.body) > MAX_ANSWER:
        raise LabelServiceError(f"the answer from {_host(url)} is larger than {MAX_ANSWER // 1024 // 1024} MiB")
    return answer.status, answer.body


def _decode(body: bytes, set_id: str) -> Any:
    import json

    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise LabelServiceError(
            f"DailyMed's answer for set id {set_id} is not the documented version history (not JSON)"
        ) from None


def fetch_histories(set_ids: list[str], base: str, timeout: float, total: float) -> dict[str, list[Version] | None]:
    """Every set id's version history (None: DailyMed does not list it), all pages, within the time limits."""
    deadline = time.monotonic() + total
    histories: dict[str, list[Version] | None] = {}
    for set_id in set_ids:
        versions: dict[int, Version] = {}
        page: int | None = 1
        pages = 0
        while page is not None:
            pages += 1
            if pages > MAX_PAGES:
                raise LabelServiceError(f"DailyMed's history of set id {set_id} runs past {MAX_PAGES} pages")
            url = f"{base}/spls/{set_id}/history.json" + (f"?page={page}" if page > 1 else "")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LabelServiceError(f"the check did not finish within {total:g} s (--total-timeout)")
            limit, which = (timeout, "--timeout") if timeout <= remaining else (remaining, "--total-timeout")
            status, body = fetch(url, limit, which)
            if status in NOT_LISTED:
                if page > 1:
                    raise LabelServiceError(f"{_host(url)} answered HTTP {status} for page {page} of {url}")
                break
            found, page = parse_history(_decode(body, set_id), set_id)
            for version in found:
                versions.setdefault(version.spl_version, version)
        histories[set_id] = list(versions.values()) if versions or status not in NOT_LISTED else None
    return histories
