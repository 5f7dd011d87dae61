"""Fetching and reading one feed: bounded HTTP (timeout, size cap, conditional GET), feedparser on
the bytes (it sorts out declared-vs-real encodings), HTML reduced to plain text.

Exception tree: every failure is a :class:`FeedError` whose message is short and safe to show
in /stats ("HTTP 500", "timeout after 20 s", "larger than 2000000 bytes", "malformed feed: …").
"""

from __future__ import annotations

import asyncio
import calendar
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import aiohttp
import feedparser

from handlers.parse import clean_input
from storage.text import words

USER_AGENT = "assembly-newsbot/0.1 (+https://github.com/; feed reader)"
ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
               "blockquote", "section", "article", "figure", "table"}
_SKIP_TAGS = {"script", "style", "noscript", "iframe", "object", "svg"}


class FeedError(Exception):
    """A poll failed; the message is what /stats shows."""


@dataclass(frozen=True)
class Fetched:
    status: int  # 200 or 304
    body: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class Entry:
    guid: str
    title: str
    body: str
    link: str | None
    #: the entry's own date (published, else updated), when the feed gives one
    published: dt.datetime | None = None
    #: same title and link -> same hash, whatever the guid: catches re-posts and changed guids
    #: (computed where the entry is read, off the event loop)
    content_hash: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        basis = " ".join(words(self.title)) + "\n" + normalize_link(self.link)
        object.__setattr__(self, "content_hash", hashlib.sha256(basis.encode()).hexdigest())


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS and self._skip:
            self._skip -= 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Visible text of an HTML fragment: tags dropped, scripts skipped, paragraphs kept apart."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    # the input cleaning rule of every input: no control, bidi or zero-width characters
    text = clean_input("".join(parser.parts).replace("\xa0", " "))
    lines = [" ".join(line.split()) for line in text.split("\n")]
    out = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return "\n\n".join(p.replace("\n", " ") for p in out.split("\n\n") if p.strip())


def normalize_link(link: str | None) -> str:
    """Lower-case scheme and host, no fragment, no tracking parameters, no trailing slash."""
    if not link:
        return ""
    parts = urlsplit(link.strip())
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if not k.lower().startswith("utm_")])
    path = parts.path.rstrip("/")
    return urlunsplit(("https" if parts.scheme in ("http", "https") else parts.scheme,
                       parts.netloc.lower(), path, query, ""))


async def fetch(http: aiohttp.ClientSession, url: str, *, etag: str | None, last_modified: str | None,
                time_limit: float, max_bytes: int) -> Fetched:
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        async with asyncio.timeout(time_limit):
            async with http.get(url, headers=headers, allow_redirects=True, max_redirects=5) as resp:
                if resp.status == 304:
                    return Fetched(304, b"", None, etag, last_modified)
                if resp.status != 200:
                    raise FeedError(f"HTTP {resp.status}")
                if resp.content_length is not None and resp.content_length > max_bytes:
                    raise FeedError(f"larger than {max_bytes} bytes")
                body = bytearray()
                async for chunk in resp.content.iter_chunked(64 * 1024):
                    body += chunk
                    if len(body) > max_bytes:
                        raise FeedError(f"larger than {max_bytes} bytes")
                return Fetched(200, bytes(body), resp.headers.get("Content-Type"),
                               resp.headers.get("ETag"), resp.headers.get("Last-Modified"))
    except TimeoutError:
        raise FeedError(f"timeout after {time_limit:g} s") from None
    except aiohttp.ClientError as exc:
        raise FeedError(f"network error: {type(exc).__name__}") from None


def _entry_text(entry: feedparser.FeedParserDict) -> str:
    content = entry.get("content") or []
    html = content[0].get("value", "") if content else entry.get("summary", "")
    return html_to_text(html or "")


def _entry_date(entry: feedparser.FeedParserDict) -> dt.datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    try:
        return dt.datetime.fromtimestamp(calendar.timegm(parsed), dt.UTC)
    except (OverflowError, ValueError, OSError):
        return None


def parse_entries(fetched: Fetched) -> list[Entry]:
    """The feed's entries with a title, as plain text, in the document's order; raises
    FeedError when nothing is readable. CPU-bound (a large feed takes seconds): the poller
    runs it in a thread."""
    headers = {"content-type": fetched.content_type} if fetched.content_type else None
    parsed = feedparser.parse(io.BytesIO(fetched.body), response_headers=headers)
    if not parsed.entries:
        if parsed.get("bozo"):
            raise FeedError(f"malformed feed: {str(parsed.get('bozo_exception'))[:120]}")
        if not parsed.get("version"):
            raise FeedError("not an RSS or Atom feed")
    entries: list[Entry] = []
    for e in parsed.entries:
        title = html_to_text(e.get("title", "") or "")
        if not title:
            continue
        link = e.get("link") or None
        if link and not link.startswith(("http://", "https://")):
            link = None
        entry = Entry(guid="", title=title, body=_entry_text(e), link=link)
        guid = (e.get("id") or link or entry.content_hash).strip()
        entries.append(Entry(guid=guid[:500], title=title, body=entry.body, link=link,
                             published=_entry_date(e)))
    return entries


def newest_first(entries: list[Entry]) -> tuple[list[Entry], int]:
    """Each entry once (first guid and first title+link win), dated ones newest first, then the
    undated ones in the document's order; and how many repeats were dropped."""
    seen_guids: set[str] = set()
    seen_hashes: set[str] = set()
    unique = []
    for entry in entries:
        if entry.guid in seen_guids or entry.content_hash in seen_hashes:
            continue
        seen_guids.add(entry.guid)
        seen_hashes.add(entry.content_hash)
        unique.append(entry)
    unique.sort(key=lambda e: (e.published is None,
                               -e.published.timestamp() if e.published else 0.0))
    return unique, len(entries) - len(unique)


def read_feed(fetched: Fetched) -> tuple[list[Entry], int]:
    """``parse_entries`` then ``newest_first``: all the CPU work of a poll, for a thread."""
    return newest_first(parse_entries(fetched))
