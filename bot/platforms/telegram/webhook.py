"""Our webhook server: a small aiohttp server in the bot's own loop that feeds PTB's update queue.

Why not PTB's ``Updater.start_webhook``: its tornado server reads a request's whole body (up to
100 MB) before anything looks at the secret, keeps a silent connection for an hour, has no
limit on connections, and logged every failed ``accept`` once the open files ran out (1,100
idle connections: no more updates, 244 MB of log in 30 s). PTB documents the alternative
(examples/customwebhookbot): any asyncio server that puts ``Update.de_json(...)`` into
``application.update_queue``. This one holds these bounds:

- the secret (``X-Telegram-Bot-Api-Secret-Token``, compared in constant time) is checked as
  soon as the headers are in: without it, 403 and the connection is closed, the body unread;
- a body larger than ``max_body_bytes`` gets 413: at once when its Content-Length says so,
  else as soon as the stream passes the limit (never more than the limit is held);
- at most ``max_open`` connections are open: one more closes the connection idle the
  longest (a connection whose request is being handled is never closed for another);
- a connection has ``timeout`` seconds to send its request, body included, and may stay idle
  as long between two requests;
- refusals are counted and logged as one summary line per ``summary_seconds``, never one per
  request (aiohttp's own report of a malformed request is counted the same way).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import socket
from collections import Counter
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestHandler
from telegram import Update
from telegram.ext import Application, ExtBot

log = logging.getLogger("newsbot.telegram.webhook")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
READ_BUFSIZE = 16 * 1024


@dataclass(frozen=True)
class WebhookLimits:
    max_open: int = 160
    max_body_bytes: int = 1_048_576
    timeout: float = 10.0
    summary_seconds: float = 60.0


class _CountingLogger:
    """The logger aiohttp's protocol reports to: a malformed request is a count, not a traceback."""

    def __init__(self, count: Any) -> None:
        self._count = count

    def _report(self, level: int, msg: str, *args: Any, exc_info: Any = None, **kw: Any) -> None:
        malformed = exc_info is None or isinstance(exc_info, HttpProcessingError)
        if msg.startswith("Error handling request") and malformed:
            self._count("bad_request")
            return
        log.log(level, msg, *args, exc_info=exc_info, **kw)

    def debug(self, msg: str, *args: Any, **kw: Any) -> None:
        self._report(logging.DEBUG, msg, *args, **kw)

    def info(self, msg: str, *args: Any, **kw: Any) -> None:
        self._report(logging.INFO, msg, *args, **kw)

    def warning(self, msg: str, *args: Any, **kw: Any) -> None:
        self._report(logging.WARNING, msg, *args, **kw)

    def error(self, msg: str, *args: Any, **kw: Any) -> None:
        self._report(logging.ERROR, msg, *args, **kw)

    def exception(self, msg: str, *args: Any, exc_info: Any = True, **kw: Any) -> None:
        self._report(logging.ERROR, msg, *args, exc_info=exc_info, **kw)


class _BoundedServer(web.Server):
    """aiohttp's low-level server with a cap on open connections and a deadline for idle ones."""

    def __init__(self, handler: Any, *, limits: WebhookLimits, count: Any, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._limits = limits
        self._count = count
        #: connections not in a request, oldest-idle first, with the time they became idle
        self._idle: dict[RequestHandler, tuple[float, bool]] = {}
        self._busy: set[RequestHandler] = set()

    @property
    def open_connections(self) -> int:
        return len(self._idle) + len(self._busy)

    def connection_made(self, handler: RequestHandler, transport: asyncio.Transport) -> None:
        super().connection_made(handler, transport)
        self._idle[handler] = (self._loop.time(), False)
        if self.open_connections > self._limits.max_open:
            victim = next(iter(self._idle))
            self._close(victim, "evicted")

    def connection_lost(self, handler: RequestHandler, exc: BaseException | None = None) -> None:
        self._idle.pop(handler, None)
        self._busy.discard(handler)
        super().connection_lost(handler, exc)

    def busy(self, handler: RequestHandler) -> None:
        if self._idle.pop(handler, None) is not None:
            self._busy.add(handler)

    def idle(self, handler: RequestHandler) -> None:
        if handler in self._busy:
            self._busy.discard(handler)
            self._idle[handler] = (self._loop.time(), True)

    def close_idle(self) -> None:
        """Close the connections idle longer than the timeout (oldest first; stop at a young one)."""
        deadline = self._loop.time() - self._limits.timeout
        for handler, (since, served) in list(self._idle.items()):
            if since > deadline:
                break
            # a connection that never sent a whole request in time is worth reporting;
            # a kept-alive one going quiet is ordinary
            self._close(handler, None if served else "no_request")

    def _close(self, handler: RequestHandler, reason: str | None) -> None:
        self._idle.pop(handler, None)
        if reason:
            self._count(reason)
        handler.force_close()


class WebhookServer:
    """POST <path> with the secret -> ``application.update_queue``; everything else is refused."""

    def __init__(self, application: Application, *, path: str, secret: str,  # type: ignore[type-arg]
                 sock: socket.socket, limits: WebhookLimits) -> None:
        if not secret:
            raise ValueError("a webhook needs a secret token")
        self._application = application
        self._path = "/" + path.strip("/")
        self._secret = secret.encode()
        self._socket = sock
        self.limits = limits
        self.counts: Counter[str] = Counter()
        self._pending: Counter[str] = Counter()
        self._pending_event = asyncio.Event()
        self._server = _BoundedServer(
            self._handle, limits=limits, count=self._count,
            access_log=None, logger=_CountingLogger(self._count),
            # our sweep closes idle connections (and counts those that sent nothing);
            # aiohttp's own keep-alive timer is only the backstop
            keepalive_timeout=2 * limits.timeout, lingering_time=0,
            # what aiohttp reads ahead of the handler, per connection (its high-water mark is
            # twice this): small, so even a full house of refused senders holds little
            read_bufsize=READ_BUFSIZE,
        )
        self._listener: asyncio.Server | None = None
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def open_connections(self) -> int:
        return self._server.open_connections

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._listener = await loop.create_server(self._server, sock=self._socket, backlog=128)
        self._tasks = [asyncio.create_task(self._sweep(), name="webhook-idle"),
                       asyncio.create_task(self._summaries(), name="webhook-summary")]

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._server.pre_shutdown()
            await self._server.shutdown(timeout=self.limits.timeout)
            await self._listener.wait_closed()
            self._listener = None
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        self._flush()

    # ----------------------------------------------------------------- requests
    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        protocol = request.protocol
        self._server.busy(protocol)
        try:
            return await self._respond(request)
        finally:
            self._server.idle(protocol)

    async def _respond(self, request: web.BaseRequest) -> web.StreamResponse:
        if request.method != "POST" or request.path.rstrip("/") != self._path:
            return await self._refuse_unread(request, 404, "not_found")
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, self._secret):
            return await self._refuse_unread(request, 403, "forbidden")
        length = request.content_length
        if length is not None and length > self.limits.max_body_bytes:
            return await self._refuse_unread(request, 413, "too_large")
        try:
            async with asyncio.timeout(self.limits.timeout):
                body = await self._read_body(request)
        except TimeoutError:
            return self._refuse(408, "timeout")
        except (HttpProcessingError, ConnectionError, ValueError):
            return self._refuse(400, "bad_request")
        if body is None:
            return await self._refuse_unread(request, 413, "too_large")
        try:
            update = Update.de_json(json.loads(body), self._application.bot)
        except Exception:  # not JSON, or not an update: nothing from Telegram looks like this
            return self._refuse(400, "bad_update")
        if update is None:
            return self._refuse(400, "bad_update")
        bot = self._application.bot
        if isinstance(bot, ExtBot):  # as PTB's own server does (arbitrary callback data)
            bot.insert_callback_data(update)
        await self._application.update_queue.put(update)
        return web.Response(status=200)

    async def _read_body(self, request: web.BaseRequest) -> bytes | None:
        """The body, or None as soon as it is longer than the limit (the rest is not read)."""
        chunks: list[bytes] = []
        size = 0
        while chunk := await request.content.readany():
            size += len(chunk)
            if size > self.limits.max_body_bytes:
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    def _refuse(self, status: int, reason: str) -> web.Response:
        self._count(reason)
        response = web.Response(status=status)
        response.force_close()  # with lingering_time=0: closed without reading what follows
        return response

    async def _refuse_unread(self, request: web.BaseRequest, status: int,
                             reason: str) -> web.Response:
        """Refuse with the rest of the body unread, and let the client see the answer.

        Closing a socket with unread data resets the connection, and a client still sending
        would see the reset rather than our status. So the answer goes out, the connection is
        half-closed (FIN: the client reads the answer and its end), reading is paused — the
        kernel's window stops the sender — and it closes after a short grace, during
        which it counts as idle: a flood closes it at once to make room.
        """
        response = self._refuse(status, reason)
        if request.content.is_eof():  # nothing more is coming: no reset to fear
            return response
        await response.prepare(request)
        await response.write_eof()
        transport = request.transport
        if transport is not None:
            transport.pause_reading()  # what is still coming stays in the kernel's buffers
            if transport.can_write_eof():
                transport.write_eof()
        self._server.idle(request.protocol)
        await asyncio.sleep(min(1.0, self.limits.timeout))
        return response

    # ----------------------------------------------------------------- upkeep
    def _count(self, reason: str) -> None:
        self.counts[reason] += 1
        self._pending[reason] += 1
        self._pending_event.set()

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(min(1.0, self.limits.timeout / 2))
            self._server.close_idle()

    async def _summaries(self) -> None:
        """The first refusal is logged at once, later ones at most once per interval."""
        while True:
            await self._pending_event.wait()
            self._flush()
            await asyncio.sleep(self.limits.summary_seconds)

    def _flush(self) -> None:
        self._pending_event.clear()
        if not self._pending:
            return
        counts = dict(sorted(self._pending.items()))
        self._pending.clear()
        log.warning("webhook refused requests or connections",
                    extra={"refused": " ".join(f"{k}={v}" for k, v in counts.items()),
                           "open": self.open_connections,
                           "per_seconds": self.limits.summary_seconds})
