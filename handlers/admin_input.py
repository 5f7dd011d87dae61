"""Parsing and validating what admins type, so every admin command fails the same precise way.

Options can be written on the first line (``lang=en topics=cybercrime source=Le Matin``) or as
``key: value`` lines right after it, which is easier on a phone keyboard. A value runs to the
next option or to the end of the line, so it needs no quotes; quotes still work, and phones
insert curly quotes and guillemets, so “…”, «…» and '…' quote as well as "…". What cannot be
read one way only (an option twice, an option without a value, text after a quoted value, an
unknown ``key=`` among the options) is refused with a hint, never stored half-read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel import Locale

from handlers.base import UserError
from handlers.words import YES_NO
from storage.text import LANGUAGES

# The desk's limits, in one place: field checks, help texts and the dispatcher use these, and
# README quotes them. Text over a limit is refused with the limit and its length, never cut.
TITLE_MAX = 200
BODY_MAX = 8000
NAME_MAX = 200
DESC_MAX = 2000
URL_MAX = 2000
#: the longest text a command may carry (the dispatcher refuses longer ones whole): well over
#: the longest admissible command, /additem with a full title, body, source, URL and options
ARGS_MAX = 16_000

_KEY = re.compile(r"(?<!\S)([A-Za-z_]+)=")
_QUOTES = {'"': '"', "“": "”", "«": "»", "'": "'"}
_HEADER = re.compile(r"^\s*([A-Za-z_]+)\s*:")
_ID = re.compile(r"#?([0-9]{1,12})")
_HHMM = re.compile(r"([0-9]{1,2})[:h]([0-9]{2})")
_CC = re.compile(r"[A-Za-z]{2}")
#: two-letter CLDR territories that are not ISO 3166-1 alpha-2 codes (groupings, pseudo-locales,
#: the unknown region, exceptionally reserved and user-assigned codes); the other 249 are
_NOT_ISO_3166 = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "XK", "ZZ",
                           "AC", "CP", "CQ", "DG", "EA", "IC", "TA"})


def parse_options(text: str, keys: Iterable[str], aliases: dict[str, str] | None = None,
                  ) -> tuple[str, dict[str, str]]:
    """(text without its options, {key: value}).

    On the first line, the text before the first known ``key=`` is kept (a title, a name) and
    each value runs to the next known ``key=`` on the line or to its end; a quoted value ends at
    its closing quote. ``key: value`` lines directly below read the same way; the first other
    line starts the body. A text on one line is cut at `` // `` first (Discord has no line
    breaks), and what follows becomes the second line. Unknown ``key=`` words before the first
    option stay in the text; anything ambiguous raises UserError.
    """
    known = {k.lower(): k for k in keys} | {a.lower(): k for a, k in (aliases or {}).items()}
    options: dict[str, str] = {}
    one_line = "\n" not in text and TITLE_SEPARATOR in text
    lines = text.split(TITLE_SEPARATOR, 1) if one_line else text.split("\n")
    first = _next_key(lines[0], 0, known)
    head = lines[0] if first is None else lines[0][:first.start()]
    if first is not None:
        _read_options(lines[0], first.group(1), first.end(), known, options)
    rest = lines[1:]
    while rest and not one_line:
        m = _HEADER.match(rest[0])
        if not m or m.group(1).lower() not in known:
            break
        _read_options(rest[0], m.group(1), m.end(), known, options)
        rest = rest[1:]
    return "\n".join([" ".join(head.split()), *rest]).strip(), options


def _next_key(line: str, pos: int, known: dict[str, str]) -> re.Match[str] | None:
    return next((m for m in _KEY.finditer(line, pos) if m.group(1).lower() in known), None)


def _read_options(line: str, typed: str, pos: int, known: dict[str, str],
                  options: dict[str, str]) -> None:
    """The options of ``line`` from ``pos``, just after the known key ``typed`` (``key=``/``key:``)."""
    while True:
        key = known[typed.lower()]
        start = len(line) - len(line[pos:].lstrip())
        opener, close = line[start:start + 1], -1
        if opener in _QUOTES:
            close = line.find(_QUOTES[opener], start + 1)
            if close < 0:
                raise UserError("admin.option_unclosed", option=typed, quote=opener)
        nxt = _next_key(line, close + 1 if close > 0 else start, known)
        end = nxt.start() if nxt else len(line)
        if close > 0:  # "quoted": nothing but spaces between the closing quote and the next option
            value, stray = line[start + 1:close].strip(), line[close + 1:end].strip()
            if stray:
                raise UserError("admin.option_stray", option=typed, value=stray[:80])
        else:  # unquoted: to the next option or the end of the line
            value = line[start:end].strip()
            unknown = _KEY.search(value)
            if unknown:
                raise UserError("admin.bad_option", value=unknown.group(1)[:32],
                                options=", ".join(dict.fromkeys(known.values())))
        if not value:
            raise UserError("admin.option_empty", option=typed)
        if key in options:
            raise UserError("admin.option_twice", option=typed if typed.lower() == key else f"{typed} ({key})")
        options[key] = value
        if nxt is None:
            return
        typed, pos = nxt.group(1), nxt.end()


#: separates title and body where a line break cannot be typed (Discord slash options)
TITLE_SEPARATOR = " // "


def split_title_body(text: str) -> tuple[str, str]:
    """First line is the title, the rest (blank lines trimmed) the body.

    On one line, ``Title // body`` does the same: Discord's slash options have no line breaks.
    """
    text = text.strip()
    sep = "\n" if "\n" in text or TITLE_SEPARATOR not in text else TITLE_SEPARATOR
    title, _, body = text.partition(sep)
    return title.strip(), body.strip()


def parse_id(value: str, what: str = "item") -> int:
    m = _ID.fullmatch(value.strip())
    if not m:
        raise UserError("admin.bad_id", value=value.strip()[:32] or "—", what=what)
    return int(m.group(1))


def check_text(value: str, field: str, limit: int, *, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise UserError("admin.empty", field=field)
    if len(value) > limit:
        raise UserError("admin.too_long", field=field, limit=limit, length=len(value))
    return value


def check_title(value: str) -> str:
    value = check_text(value, "title", TITLE_MAX)
    if "\n" in value:
        raise UserError("admin.title_one_line")
    return value


def check_body(value: str, *, required: bool = False) -> str:
    return check_text(value, "body", BODY_MAX, required=required)


def check_lang(value: str) -> str:
    lang = value.strip().lower()
    if lang not in LANGUAGES:
        raise UserError("admin.bad_lang", value=value.strip()[:16], langs=", ".join(LANGUAGES))
    return lang


def check_url(value: str) -> str:
    value = value.strip().strip("<>")
    parts = urlsplit(value) if len(value) <= URL_MAX and not any(c.isspace() for c in value) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or "." not in parts.hostname:
        raise UserError("admin.bad_url", value=value[:80])
    return value


def check_topics(value: str, known: Iterable[str]) -> list[str]:
    """'cybercrime, governance' -> keys, each checked against the event's topics."""
    keys = list(known)
    chosen: list[str] = []
    for raw in re.split(r"[,\s]+", value.strip()):
        if not raw:
            continue
        key = raw.lower()
        if key not in keys:
            raise UserError("admin.bad_topic", value=raw[:40], topics=", ".join(keys))
        if key not in chosen:
            chosen.append(key)
    return chosen


def parse_moment(value: str, tz: str, now: dt.datetime) -> dt.datetime:
    """ISO 8601 (with a zone, or read in the event's zone) or HH:MM today in the event's zone."""
    raw = value.strip()
    zone = ZoneInfo(tz)
    m = _HHMM.fullmatch(raw)
    try:
        if m:
            local_day = now.astimezone(zone).date()
            moment = dt.datetime.combine(local_day, dt.time(int(m.group(1)), int(m.group(2))))
        else:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ][0-9:.]+)?(Z|[+-]\d{2}:?\d{2})?", raw):
                raise ValueError(raw)
            moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise UserError("admin.bad_time", value=raw[:40], tz=tz) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(dt.UTC)


def parse_day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UserError("admin.bad_day", value=value.strip()[:40]) from None


def parse_bool(value: str) -> bool:
    """yes/no, on/off, true/false in any of the bot's languages (handlers.words.YES_NO)."""
    v = YES_NO.get(value)
    if v is None:
        raise UserError("admin.bad_bool", value=value.strip()[:16])
    return v


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes, from Babel's (CLDR's) territories."""
    return frozenset(k for k in Locale("en").territories
                     if isinstance(k, str) and _CC.fullmatch(k)) - _NOT_ISO_3166


def check_country_code(value: str) -> str:
    """'ke' -> 'KE'; refused unless it is an ISO 3166-1 alpha-2 country code."""
    code = value.strip()
    if not _CC.fullmatch(code) or code.upper() not in country_codes():
        raise UserError("program.bad_cc", value=code[:8])
    return code.upper()


def split_field(value: str, fields: Iterable[str], *, localized: Iterable[str] = ()) -> tuple[str, str | None]:
    """'title.en' -> ('title', 'en'); checks the field (and language) against those allowed."""
    name, _, lang = value.strip().lower().partition(".")
    allowed = list(fields)
    if name not in allowed or (lang and name not in localized):
        raise UserError("admin.bad_field", value=value.strip()[:32], fields=", ".join(
            [*allowed, *(f"{f}.en" for f in localized)]))
    return name, (check_lang(lang) if lang else None)
