"""A local feed server for the feed tests: named documents with ETags, failures on demand, and a
gate that holds answers until the test opens it (so a poll happens after a set-up step).

Import ``feed_server`` into a test module to use the fixture.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import pytest
from aiohttp import web

from tests.desk import feed_samples as samples


@dataclass
class FeedServer:
    base: str
    docs: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    conditional: dict[str, str | None] = field(default_factory=dict)
    #: documents whose answers wait until ``open_gate()``
    gated: set[str] = field(default_factory=set)
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"

    def hold(self, *names: str) -> None:
        self.gated.update(names)
        self.gate.clear()

    def open_gate(self) -> None:
        self.gate.set()


def many_entries(n: int, *, prefix: str = "big", seed: int = 7) -> bytes:
    """An RSS document of ``n`` distinct entries, dated a minute apart (entry ``i`` is the
    ``i``-th oldest), listed in a shuffled order: the reader must sort them itself."""
    start = dt.datetime(2025, 11, 20, 8, 0, tzinfo=dt.UTC)
    order = list(range(n))
    random.Random(seed).shuffle(order)
    items = []
    for i in order:
        when = (start + dt.timedelta(minutes=i)).strftime("%a, %d %b %Y %H:%M:%S +0000")
        items.append(
            f"<item><title>{escape(entry_title(prefix, i))}</title>"
            f"<link>https://{prefix}.example/news/{i}</link><guid>{prefix}-{i}</guid>"
            f"<pubDate>{when}</pubDate>"
            f"<description>&lt;p&gt;Texte de la dépêche {i}.&lt;/p&gt;</description></item>")
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel>"
            f"<title>{prefix}</title><link>https://{prefix}.example/</link>"
            + "".join(items) + "</channel></rss>").encode()


def entry_title(prefix: str, i: int) -> str:
    return f"Dépêche {prefix} numéro {i} : la coopération policière"


@pytest.fixture
async def feed_server() -> AsyncIterator[FeedServer]:
    state = FeedServer(base="")

    async def serve(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        state.hits[name] = state.hits.get(name, 0) + 1
        state.conditional[name] = request.headers.get("If-None-Match")
        if name in state.gated:
            await state.gate.wait()
        if name == "error":
            return web.Response(status=500, text="Internal Server Error")
        if name == "hang":
            await state.release.wait()
        if name == "huge":
            resp = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
            await resp.prepare(request)
            chunk = b"<!-- " + b"x" * 65_000 + b" -->\n"
            for _ in range(60):  # ~3.9 MB, streamed without a Content-Length
                await resp.write(chunk)
            return resp
        body, ctype = state.docs[name]
        etag = f'"{len(body)}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, headers={"Content-Type": ctype, "ETag": etag})

    app = web.Application()
    app.router.add_get("/{name}", serve)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.base = f"http://127.0.0.1:{port}"
    state.docs = {
        "rss": (samples.RSS.encode(), "application/rss+xml; charset=utf-8"),
        "reposted": (samples.RSS_REPOSTED.encode(), "application/rss+xml"),
        "atom": (samples.ATOM.encode(), "application/atom+xml"),
        "latin1": (samples.LATIN1_DECLARED_UTF8, "application/rss+xml; charset=utf-8"),
        "malformed": (samples.MALFORMED, "text/html"),
    }
    yield state
    state.release.set()
    state.gate.set()
    await runner.cleanup()
