"""The dev stack's HTTP server: a thread per connection, each request handed to one callable.

Plain ``http.server``: enough for a development front, and nothing between the client and the
emulated API Gateway that could change a request on the way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from devstack.gateway import HttpRequest, HttpResponse, message

log = logging.getLogger("paylox.devstack.http")

MAX_BODY = 10 * 1024 * 1024  # HTTP API's own payload limit; Lambda's 6 MB is checked later

App = Callable[[HttpRequest], tuple[HttpResponse, str | None]]


class DevServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.app = app
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: DevServer

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_GET

    def __getattr__(self, name: str) -> object:
        # Any other method (TRACE, CONNECT, PROPFIND, ...) goes to the gateway too, which answers
        # 404 {"message":"Not Found"} as HTTP API does for a method no route takes; http.server
        # alone would answer 501.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _serve(self) -> None:
        started = time.monotonic()
        body = self._read_body()
        if body is None:
            self.close_connection = True  # the unread body cannot be skipped reliably
            self._write(message(413, "Request Entity Too Large"))
            return
        target = self.path if self.path.startswith("/") else "/" + self.path.split("/", 3)[-1]
        raw_path, _, raw_query = target.partition("?")
        request = HttpRequest(
            method=self.command,
            raw_path=raw_path,
            raw_query=raw_query,
            headers=list(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
            protocol=self.request_version,
        )
        try:
            response, function_id = self.server.app(request)
        except Exception:
            log.exception("unexpected failure serving %s %s", self.command, raw_path)
            response, function_id = message(500, "Internal Server Error"), None
        self._write(response)
        elapsed = (time.monotonic() - started) * 1000
        log.info(
            "%s %s -> %d %s(%.0f ms)",
            self.command,
            target,
            response.status,
            f"{function_id} " if function_id else "",
            elapsed,
        )

    def _read_body(self) -> bytes | None:
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            chunks: list[bytes] = []
            size = 0
            while True:
                length = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if length == 0:
                    while self.rfile.readline().strip():  # trailers
                        pass
                    return b"".join(chunks)
                size += length
                if size > MAX_BODY:
                    return None
                chunks.append(self.rfile.read(length))
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY:
            return None
        return self.rfile.read(length) if length else b""

    def _write(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("content-length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # _serve logs one line per request, with the function that served it
