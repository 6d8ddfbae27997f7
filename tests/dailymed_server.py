"""A stand-in for DailyMed's web services on a loopback port, for ``baclo labels --check`` tests.

It answers ``GET {base}/spls/{SETID}/history.json[?page=N]`` the way DailyMed documents it (metadata values as
text, ``published_date`` written "Sep 26, 2012", newest version first), or misbehaves on purpose: each set id
is given a behaviour by the test (current, newer, several, unknown, 500, slow, malformed, redirect, ...).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BASE_PATH = "/dailymed/services/v2"
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def published(iso: str) -> str:
    """``2024-03-05`` as DailyMed writes it: ``Mar 05, 2024``."""
    year, month, day = iso.split("-")
    return f"{MONTHS[int(month) - 1]} {day}, {year}"


def history_answer(
    set_id: str,
    versions: list[tuple[int, str]],
    *,
    shape: str = "object",
    page: int = 1,
    pages: int = 1,
    as_text: bool = True,
) -> dict[str, Any]:
    """The documented JSON: metadata (every value text, 'null' for none) and data with the history entries."""
    entries = [
        {"spl_version": str(v) if as_text else v, "published_date": published(d)}
        for v, d in sorted(versions, reverse=True)
    ]
    metadata = {
        "total_elements": str(len(entries)),
        "elements_per_page": "100",
        "total_pages": str(pages),
        "current_page": str(page),
        "current_url": f"https://dailymed.nlm.nih.gov{BASE_PATH}/spls/{set_id}/history.json",
        "previous_page": str(page - 1) if page > 1 else "null",
        "previous_page_url": "null",
        "next_page": str(page + 1) if page < pages else "null",
        "next_page_url": "null",
        "db_published_date": "Nov 27, 2026 09:12:31PM EST",
    }
    data: Any
    if shape == "list":
        data = entries
    else:
        data = {"spl": {"setid": set_id, "title": "BACLOFEN (TEST LABEL)"}, "history": entries}
    return {"metadata": metadata, "data": data}


class Behaviour:
    """How the server answers one set id: ``kind`` and its details."""

    def __init__(self, kind: str, versions: list[tuple[int, str]] | None = None, **extra: Any) -> None:
        self.kind = kind
        self.versions = versions or []
        self.extra = extra


class StandIn:
    def __init__(self) -> None:
        self.behaviours: dict[str, Behaviour] = {}
        self.requests: list[str] = []
        self.server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        port = self.server.server_address[1]
        return f"http://127.0.0.1:{port}{BASE_PATH}"

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        self.requests.append(handler.path)
        path, _, query = handler.path.partition("?")
        page = int(query.split("page=", 1)[1]) if "page=" in query else 1
        prefix, suffix = f"{BASE_PATH}/spls/", "/history.json"
        if not (path.startswith(prefix) and path.endswith(suffix)):
            return self.send(handler, 404, b"<html>not found</html>", "text/html")
        set_id = path[len(prefix) : -len(suffix)]
        how = self.behaviours.get(set_id, Behaviour("unknown"))
        if how.kind == "unknown":
            return self.send(handler, 404, b'{"message": "no such set id"}')
        if how.kind == "empty":
            return self.send(handler, 200, json.dumps(history_answer(set_id, [])).encode())
        if how.kind == "error":
            return self.send(handler, int(how.extra.get("status", 500)), b"Internal Server Error", "text/plain")
        if how.kind == "slow":
            time.sleep(float(how.extra.get("seconds", 5)))
            return self.send(handler, 200, json.dumps(history_answer(set_id, how.versions)).encode())
        if how.kind == "trickle":  # headers at once, then a byte at a time, never quite idle
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", "100000")
            handler.end_headers()
            for _ in range(100000):
                handler.wfile.write(b" ")
                handler.wfile.flush()
                time.sleep(0.05)
            return None
        if how.kind == "hangup":  # close the connection without a word
            handler.close_connection = True
            handler.wfile.flush()
            handler.connection.shutdown(2)
            return None
        if how.kind == "malformed":
            return self.send(handler, 200, how.extra.get("body", b'{"metadata": {"total_elements": "3"'))
        if how.kind == "redirect":
            handler.send_response(int(how.extra.get("status", 301)))
            handler.send_header("Location", how.extra.get("location", "http://mirror.example/history.json"))
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return None
        if how.kind == "paged":  # one version a page
            ordered = sorted(how.versions, reverse=True)
            body = history_answer(set_id, [ordered[page - 1]], page=page, pages=len(ordered))
            return self.send(handler, 200, json.dumps(body).encode())
        shape = how.extra.get("shape", "object")
        body = history_answer(set_id, how.versions, shape=shape, as_text=how.extra.get("as_text", True))
        return self.send(handler, 200, json.dumps(body).encode())

    @staticmethod
    def send(handler: BaseHTTPRequestHandler, status: int, body: bytes, kind: str = "application/json") -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


@contextmanager
def stand_in() -> Iterator[StandIn]:
    """A running stand-in on 127.0.0.1 (a free port), shut down afterwards."""
    state = StandIn()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout)
                state.answer(self)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.server = server
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
