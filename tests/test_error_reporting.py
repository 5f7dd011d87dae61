"""Optional Sentry: errors reach a (loopback) Sentry with their traceback, redacted."""

from __future__ import annotations

import gzip
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.config import Settings
from bot.errors import init_error_reporting
from bot.logs import Redactor

TOKEN = "123456789:AAHsecretTOKENvalue_abcdefghijklmno"


@pytest.fixture
def sentry_server() -> Iterator[tuple[str, list[bytes]]]:
    received: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            received.append(body)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://publickey@127.0.0.1:{server.server_port}/1", received
    finally:
        server.shutdown()
        server.server_close()


def test_an_error_reaches_sentry_without_secrets(sentry_server: tuple[str, list[bytes]]) -> None:
    import sentry_sdk

    dsn, received = sentry_server
    settings = Settings(sentry={"dsn": dsn}, telegram={"token": TOKEN})  # type: ignore[arg-type]
    try:
        assert init_error_reporting(settings, Redactor([TOKEN, dsn]))
        try:
            raise RuntimeError(f"boom while calling https://api.telegram.org/bot{TOKEN}/getMe")
        except RuntimeError:
            logging.getLogger("newsbot.test").exception("sending failed")
        sentry_sdk.flush(timeout=10)
    finally:
        sentry_sdk.get_client().close()
    sent = b"".join(received).decode("utf-8", "replace")
    assert "sending failed" in sent and "RuntimeError" in sent and "boom while calling" in sent
    assert TOKEN not in sent and TOKEN.split(":")[1] not in sent


def test_without_a_dsn_nothing_starts() -> None:
    assert not init_error_reporting(Settings(), Redactor())
