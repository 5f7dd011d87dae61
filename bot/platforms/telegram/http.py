"""python-telegram-bot's HTTP transport on aiohttp instead of httpx.

Why: PTB's default ``HTTPXRequest`` spends about 1.3 ms of CPU per request in httpx and
httpcore (connection-pool bookkeeping that scans every pooled connection, a socket
readability probe per request); aiohttp does the same POST for about 0.13 ms (measured on
this project's machines, 16 concurrent requests to a loopback server). At a paid broadcast's
1,000 messages/s that difference is the whole CPU budget of a core. aiohttp is already a
dependency (feeds, Discord).

PTB documents :class:`telegram.request.BaseRequest` as the extension point for another HTTP
library: PTB still builds the request (``RequestData``), parses Telegram's answer and raises
its own errors (``RetryAfter``, ``BadRequest``...). This class only moves bytes and maps
aiohttp's failures to PTB's ``TimedOut`` and ``NetworkError`` as ``HTTPXRequest`` does.

Bodies are JSON (``application/json``, one of the four encodings the Bot API accepts) except
for uploads (multipart/form-data): PTB's own form encoding quotes the text byte by byte in
Python (``urllib.parse.quote``), about 0.15 ms for a 2 KB digest; ``json.dumps`` is C.

Timeouts: aiohttp has no write timeout. ``connect`` (waiting for a pooled connection plus
connecting) is pool + connect timeout, ``sock_connect`` the connect timeout, ``sock_read``
the read timeout, and the whole request is capped by the sum of the four.

Before or after the request left: a failure while waiting for a connection or connecting
(aiohttp's ``ConnectionTimeoutError``, ``ClientConnectorError``) means Telegram never saw
the request: it is raised as :class:`NotSentTimedOut` / :class:`NotSentError` (subclasses
of PTB's ``TimedOut`` / ``NetworkError``). Any later failure (the read timeout, the total
timeout, a connection lost while waiting for the answer) is PTB's plain ``TimedOut`` or
:class:`AnswerLost`: Telegram may have acted on the request. The outbox does not retry those
blindly (``bot/delivery/``), since Telegram has no idempotency key.
"""

from __future__ import annotations

import json

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

__all__ = ["AiohttpRequest", "AnswerLost", "NotSent", "NotSentError", "NotSentTimedOut"]


class NotSent:
    """Marks an error raised before the request left: Telegram never saw it."""

    __slots__ = ()


class NotSentTimedOut(TimedOut, NotSent):
    """No connection in time (pool or connect timeout): the request was not sent."""

    __slots__ = ()


class NotSentError(NetworkError, NotSent):
    """Connecting failed (refused, DNS, TLS): the request was not sent."""

    __slots__ = ()


class AnswerLost(NetworkError):
    """The connection failed after the request was sent: Telegram may have acted on it."""

    __slots__ = ()

#: PTB marks "not passed" timeouts with instances of this class (BaseRequest.DEFAULT_NONE is one)
_DefaultValue = type(BaseRequest.DEFAULT_NONE)
_JSON = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """A PTB request backend with a keep-alive pool of ``connection_pool_size`` connections."""

    __slots__ = ("_connect", "_media_write", "_pool", "_pool_size", "_read", "_session",
                 "_write")

    def __init__(self, connection_pool_size: int = 64, *, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 1.0, media_write_timeout: float | None = 20.0
                 ) -> None:
        self._pool_size = connection_pool_size
        self._read = read_timeout
        self._write = write_timeout
        self._connect = connect_timeout
        self._pool = pool_timeout
        self._media_write = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0),
                headers={"User-Agent": self.USER_AGENT},
                # no cookies: Telegram sets none, and a cookie jar costs per request
                cookie_jar=aiohttp.DummyCookieJar(),
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _timeout(self, read: object, write: object, connect: object, pool: object,
                 files: bool) -> aiohttp.ClientTimeout:
        def pick(value: object, default: float | None) -> float | None:
            return default if isinstance(value, _DefaultValue) else value  # type: ignore[return-value]

        read_s = pick(read, self._read)
        write_s = pick(write, self._media_write if files else self._write)
        connect_s = pick(connect, self._connect)
        pool_s = pick(pool, self._pool)
        parts = (read_s, write_s, connect_s, pool_s)
        total = None if any(p is None for p in parts) else sum(p for p in parts if p is not None)
        acquire = None if pool_s is None or connect_s is None else pool_s + connect_s
        return aiohttp.ClientTimeout(total=total, connect=acquire, sock_connect=connect_s,
                                     sock_read=read_s)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = bool(request_data and request_data.contains_files)
        body: aiohttp.FormData | bytes | None = None
        headers = None
        if request_data is not None and files:
            body = _multipart(request_data)
        elif request_data is not None and request_data.parameters:
            body = json.dumps(request_data.parameters, ensure_ascii=False).encode()
            headers = _JSON
        timeout = self._timeout(read_timeout, write_timeout, connect_timeout, pool_timeout, files)
        try:
            async with self._session.request(method, url, data=body, headers=headers,
                                             timeout=timeout) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as err:  # pool or connect: nothing was sent
            raise NotSentTimedOut(f"Timed out before sending: {err}") from err
        except TimeoutError as err:  # read or total timeout, once connected: maybe acted on
            raise TimedOut from err
        except aiohttp.ClientConnectorError as err:
            raise NotSentError(f"aiohttp.{err.__class__.__name__}: {err}") from err
        except aiohttp.ClientError as err:
            raise AnswerLost(f"aiohttp.{err.__class__.__name__}: {err}") from err


def _multipart(request_data: RequestData) -> aiohttp.FormData:
    """Fields and files as multipart/form-data, as Telegram expects uploads."""
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
