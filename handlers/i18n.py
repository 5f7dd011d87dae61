"""The bot's own words (``t``, from the catalog: handlers.catalog), and locale-aware dates,
times and numbers (Babel)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import storage.text
from handlers.catalog import CATALOG
from handlers.words import LANGUAGE_NAMES
from storage.text import Language as Language


def normalize_language(code: str | None) -> str | None:
    """A language the bot speaks (``storage.text.LANGUAGES``), or None, from a platform's
    locale ('fr-FR', 'en_GB', 'es-419', 'ar-MA', 'EN') or what a user types: a code or a
    language's name in any of the bot's languages ('español', 'anglais', 'العربية'; the
    table is handlers.words.LANGUAGE_NAMES)."""
    if not code:
        return None
    lang = LANGUAGE_NAMES.get(code) or LANGUAGE_NAMES.get(code.replace("_", "-").split("-")[0])
    return lang if lang in storage.text.LANGUAGES else None


def t(key: str, lang: str, **kwargs: object) -> str:
    """The bot's text ``key`` in ``lang``, its ``{placeholders}`` filled: ``CATALOG.text``.
    A plural message takes its count as ``n`` and shows the form CLDR gives that count in
    ``lang`` (``t("search.count", "fr", n=1)`` -> '1 résultat', ``n=0`` too; 'en': '0 results')."""
    return CATALOG.text(key, lang, **kwargs)


def t_counts(key: str, lang: str, **kwargs: object) -> str:
    """``key``, a message with several counts (a gettext plural message takes one): each count
    ``{name}`` that has a plural message ``key.name`` shows that message for it ("1 message
    corrigé sur place"), the other placeholders are filled as they are. A language may keep a
    plain number there (its ``key.name`` is just "{n}")::

        t_counts("item.corrections", "fr", edits=1, notices=2)
        # 'Lecteurs déjà servis : 1 message corrigé sur place, 2 avis de correction.'
    """
    filled = {name: t(f"{key}.{name}", lang, n=value)
              if isinstance(value, int) and f"{key}.{name}" in CATALOG else value
              for name, value in kwargs.items()}
    return t(key, lang, **filled)


def quoted(text: str, lang: str) -> str:
    """``text`` between the language's quotation marks: '« x »' (narrow no-break spaces) / '“x”'."""
    return t("punct.quote", lang, text=text)


def labelled(label: str, lang: str) -> str:
    """'Label : ' (a no-break space before the colon in French) / 'Label: '."""
    return t("punct.label", lang, label=label)


#: the project's day format where the language's own full date reads otherwise
DAY_PATTERNS = {"fr": "EEEE d MMMM y", "en": "EEEE d MMMM y"}


@lru_cache(maxsize=256)
def format_day(day: dt.date, lang: str) -> str:
    """'lundi 24 novembre 2025' / 'Monday 24 November 2025' / 'lunes, 24 de noviembre de
    2025' / 'الاثنين، 24 نوفمبر 2025' (Spanish and Arabic: the language's full date)."""
    from babel.dates import format_date

    return format_date(day, format=DAY_PATTERNS.get(lang, "full"), locale=lang)


def format_days(starts: dt.date, ends: dt.date, lang: str, alt_starts: dt.date | None = None) -> str:
    """The event's dates. When the sources give two opening days, both, and that they disagree:
    '24 ou 25 – 27 novembre 2025 : les sources divergent' / '24 or 25 – 27 November 2025: the
    sources disagree'; otherwise 'lundi 24 novembre 2025 – jeudi 27 novembre 2025'."""
    if alt_starts is None or alt_starts == starts:
        return f"{format_day(starts, lang)} – {format_day(ends, lang)}"
    first, second = sorted((starts, alt_starts))
    either = t("dates.or", lang)
    if len({(d.year, d.month) for d in (first, second, ends)}) == 1:
        from babel.dates import format_date

        days = f"{first.day} {either} {second.day} – {ends.day} {format_date(ends, format='MMMM y', locale=lang)}"
    else:
        days = (f"{format_day(first, lang)} {either} {format_day(second, lang)} – "
                f"{format_day(ends, lang)}")
    return days + t("dates.disagree", lang)


def format_moment(moment: dt.datetime, lang: str, tz: str) -> str:
    """A timestamp in the event's (or chat's) time zone: '24 nov. 2025, 10:00'."""
    from zoneinfo import ZoneInfo

    from babel.dates import format_datetime

    local = moment.astimezone(ZoneInfo(tz))
    return format_datetime(local, format="d MMM y, HH:mm", locale=lang)


def format_time(moment: dt.datetime, lang: str, tz: str) -> str:
    """A time of day in ``tz``: '14:30' (24-hour in every language the bot speaks; Arabic
    with its own digits as Babel gives them)."""
    from zoneinfo import ZoneInfo

    from babel.dates import format_time as babel_time

    return babel_time(moment.astimezone(ZoneInfo(tz)), format="HH:mm", locale=lang)


def format_count(n: int, lang: str) -> str:
    """'1,000' / '1 000' (narrow no-break space in French)."""
    from babel.numbers import format_decimal

    return format_decimal(n, locale=lang)
