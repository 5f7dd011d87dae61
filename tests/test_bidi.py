"""Right to left done right: the bidi structure of Arabic replies on every platform.

The checks read what a user is shown (Telegram's text after entity parsing, Discord's
markdown without link targets, the console's lines) with ``unicodedata.bidirectional``:
every line of a right-to-left reply starts with an RLM or an RLI; every Latin letter and
European digit (class L, EN) sits inside an isolate; isolates are balanced line by line; no
embedding or override survives. Arabic catalog texts arrive later: the Arabic here is a small
overlay on the bot's catalog, so the replies are the real handlers' (digests, alerts,
corrections, broadcasts). Left-to-right replies render byte for byte as without a language.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator

import pytest
from telegram import Bot

from bot.app import App
from bot.platforms.console import render as console
from bot.platforms.discord import render as discord_render
from bot.platforms.telegram.http import AiohttpRequest
from bot.platforms.telegram.render import (
    MAX_MESSAGE,
    CallbackCodec,
    keyboard_rows,
    render_parts,
    utf16_len,
)
from bot.platforms.telegram.send import TelegramSender
from bot.render import bidi
from handlers import i18n
from handlers.catalog import CATALOG, Catalog
from handlers.fanout.broadcast import broadcast_reply
from handlers.fanout.compose import MAX_DIGEST_ITEMS, alert_reply, digest_reply
from handlers.fanout.corrections import correction_notice
from handlers.reply import (
    BulletList,
    Button,
    Heading,
    Paragraph,
    Reply,
    ReplyBuilder,
    SourceRef,
    Sources,
    Span,
    plain_text,
    user_text,
)
from storage.models import NewsItem, Source, Topic
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_fixtures import fake_telegram
from tests.fakes.telegram_html import parse_html, strip_message
from tests.helpers import send

__all__ = ["fake_telegram"]

RLO = "\u202e"
ISOLATES = bidi.OPENERS | {bidi.PDI, bidi.RLM}

#: Arabic for the keys a digest, an alert and a correction use (same placeholders)
ARABIC = {
    "digest.title": "ملخصك — {day}",
    "digest.count": "{n} خبرا جديدا منذ {since}.",
    "digest.empty": "لا جديد منذ {since}.",
    "digest.other": "أخرى",
    "digest.more": "… و{n} أخرى: /news",
    "digest.footer": "لقراءة خبر: /item <رقم> · الإعدادات: /settings",
    "alert.footer": "تنبيه من اشتراكك · للإيقاف: /unsubscribe alerts",
    "sources": "المصادر:",
    "source": "المصدر:",
    "item.topics": "المواضيع:",
    "stale.reader": "(الترجمة قيد التحديث.)",
    "correction.label": "تصحيح",
    "correction.notice": "صُحّح الخبر #{id} «{title}». اقرأ: /item {id}",
    "correction.updated": "(محدّث)",
    "broadcast.heading": "رسالة من فريق التحرير",
}


@pytest.fixture
def arabic(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The bot's catalog with Arabic for :data:`ARABIC`'s keys (strict: any other key used
    in Arabic fails the test)."""
    texts = {key: {**CATALOG[key], **({"ar": ARABIC[key]} if key in ARABIC else {})}
             for key in CATALOG}
    monkeypatch.setattr(i18n, "CATALOG", Catalog(texts, languages=("fr", "en", "ar"),
                                                 strict=True))
    yield


# --- the structure checks ------------------------------------------------------------------


def assert_rtl_lines(text: str) -> None:
    """Every non-blank line: starts right to left, L/EN characters isolated, isolates
    balanced, no embedding or override."""
    assert not bidi.EMBEDDINGS.intersection(text), "an embedding or override is shown"
    for line in text.split("\n"):
        if not line.strip():
            continue
        assert line[0] in (bidi.RLM, bidi.RLI), f"line does not start right to left: {line!r}"
        depth = 0
        for n, c in enumerate(line):
            if c in bidi.OPENERS:
                depth += 1
            elif c == bidi.PDI:
                assert depth, f"PDI without its isolate at {n}: {line!r}"
                depth -= 1
            elif unicodedata.bidirectional(c) in ("L", "EN"):
                assert depth, f"{c!r} at {n} is not isolated: {line!r}"
        assert depth == 0, f"isolate left open: {line!r}"


def telegram_text(html_part: str) -> str:
    text, _entities = strip_message(*parse_html(html_part))
    return text


#: what Discord does not show: link targets, the escaping backslash
_DISCORD_HIDDEN = re.compile(r"\]\((?:https?://[^)\s]+)\)|\\(?=\S)")


def discord_texts(reply: Reply) -> list[str]:
    out: list[str] = []
    for message in discord_render.render(reply):
        if message.content:
            out.append(message.content)
        for embed in message.embeds:
            out.extend(t for t in (embed.title, embed.description) if t)
    return [_DISCORD_HIDDEN.sub("]", t) for t in out]


def assert_rtl_everywhere(reply: Reply) -> None:
    assert reply.direction == "rtl"
    for part in render_parts(reply):
        assert utf16_len(telegram_text(part)) <= MAX_MESSAGE
        assert_rtl_lines(telegram_text(part))
    for text in discord_texts(reply):
        assert_rtl_lines(text)
    assert_rtl_lines(console.render(reply))


# --- real replies -----------------------------------------------------------------------------

WHEN = dt.datetime(2025, 11, 25, 9, 30, tzinfo=dt.UTC)
TOPICS = [Topic(key="cybercrime", name={"fr": "Cybercriminalité", "en": "Cybercrime",
                                        "ar": "الجريمة السيبرانية"}),
          Topic(key="governance", name={"fr": "Gouvernance", "en": "Governance"})]


def items(n: int = MAX_DIGEST_ITEMS) -> list[NewsItem]:
    source = Source(key="ipol", title="INTERPOL", name={"fr": "INTERPOL — Actualités"},
                    url="https://www.interpol.int/News-and-Events", published_on=WHEN.date())
    out = []
    for k in range(1, n + 1):
        title = {
            1: {"fr": f"Vote #{k} : le comité (Exécutif) élu à 25/11/2025!"},
            2: {"fr": "Titre piégé \u202eesrever", "en": "Trapped \u202etitle"},
            3: {"fr": "Lutte contre la fraude", "ar": "مكافحة الاحتيال عبر الإنترنت 2025"},
        }.get(k % 4, {"fr": f"Session {k} : Jürgen Stock (INTERPOL) — https://x.org/a_b",
                      "en": f"Session {k}: Jürgen Stock (INTERPOL)"})
        item = NewsItem(id=100 + k, status="published",
                        topics=["cybercrime" if k % 2 else "governance"], title=title,
                        body={"fr": f"Les 196 pays membres votent (résolution n° {k}). " * 6},
                        published_at=WHEN + dt.timedelta(minutes=k))
        item.sources = [source]
        out.append(item)
    return out


def arabic_digest(n: int = MAX_DIGEST_ITEMS) -> Reply:
    reply = digest_reply(items(n), TOPICS, lang="ar", tz="Europe/Paris", wanted=[],
                         start=WHEN - dt.timedelta(days=1), end=WHEN + dt.timedelta(hours=1),
                         notify_empty=True)
    assert reply is not None
    return reply


def test_an_arabic_digest_is_rtl_on_every_platform(arabic: None) -> None:
    reply = arabic_digest(MAX_DIGEST_ITEMS + 3)
    assert reply.language == "ar"
    assert_rtl_everywhere(reply)
    # what is isolated is still all there: nothing lost but the stored override
    shown = telegram_text("".join(render_parts(reply)))
    for c in ISOLATES:
        shown = shown.replace(c, "")
    assert "#101 Vote #1 : le comité (Exécutif) élu à 25/11/2025!" in shown
    assert "Titre piégé esrever" in shown and RLO not in shown
    assert "مكافحة الاحتيال عبر الإنترنت 2025" in shown
    assert "/item <رقم>" in shown


def test_an_arabic_alert_and_correction_are_rtl(arabic: None) -> None:
    item = items(3)[2]
    assert_rtl_everywhere(alert_reply(item, TOPICS, lang="ar", tz="Europe/Paris"))
    notice = correction_notice(item, "ar")
    assert notice.language == "ar"
    assert_rtl_everywhere(notice)


def test_a_broadcast_is_content_isolated_whole(arabic: None) -> None:
    reply = broadcast_reply("12 pays ont signé.\n\nمرحبا بكم في Marrakech!", "ar")
    spans = [s for b in reply.blocks if isinstance(b, Paragraph) for s in b.spans]
    assert spans and all(s.foreign for s in spans)
    assert_rtl_everywhere(reply)
    [part] = render_parts(reply)
    # the whole Latin paragraph, its final dot included, is one isolate found from its text
    assert f"{bidi.RLM}{bidi.FSI}12 pays ont signé.{bidi.PDI}" in telegram_text(part)


async def test_an_arabic_digest_through_the_strict_fake_telegram(
        arabic: None, fake_telegram: FakeTelegram) -> None:
    fake_telegram.limits.enabled = False
    fake_telegram.push_message(4242, "hello")
    reply = arabic_digest()
    async with Bot(fake_telegram.token, base_url=fake_telegram.base_url,
                   request=AiohttpRequest(8)) as bot:
        await TelegramSender(bot).send("4242", reply, nonce="ar")
    sent = fake_telegram.messages(4242)
    assert sent
    for message in sent:
        assert utf16_len(message.text) <= MAX_MESSAGE
        assert_rtl_lines(message.text)


def test_a_long_arabic_reply_is_cut_with_isolates_repaired() -> None:
    latin = " ".join(f"Word{n}" for n in range(900))  # one LTR run longer than a message
    reply = Reply((
        Heading("عنوان 2025"),
        Paragraph((Span("بداية " + latin + " نهاية", bold=True),)),
        BulletList(tuple((Span(f"بند {n} https://example.org/{n} "), user_text("Title “x”"))
                         for n in range(300)), numbered=True),
    ), buttons=(Button("التالي 2", "news", "", 2),), language="ar")
    parts = render_parts(reply)
    assert len(parts) > 2
    for part in parts:
        assert utf16_len(telegram_text(part)) <= MAX_MESSAGE
        assert_rtl_lines(telegram_text(part))
    for limit in (200, 333, 1000):  # small limits: many cuts, each one repaired
        for part in render_parts(reply, limit):
            assert utf16_len(telegram_text(part)) <= limit
            assert_rtl_lines(telegram_text(part))
    messages = discord_render.render(reply)
    for message in messages:
        assert all(len(e.description or "") <= discord_render.DESCRIPTION_MAX
                   for e in message.embeds)
        assert message.size() <= discord_render.EMBED_TOTAL_MAX
    for text in discord_texts(reply):
        assert_rtl_lines(text)
    untitled = Reply(reply.blocks[1:], language="ar", is_error=True)
    chunks = discord_render.render(untitled)
    assert len(chunks) > 2
    assert all(len(m.content or "") <= discord_render.CONTENT_MAX for m in chunks)
    for text in discord_texts(untitled):
        assert_rtl_lines(text)
    assert_rtl_lines(console.render(reply))
    [[(label, _data)]] = keyboard_rows(reply.buttons, _codec(), rtl=True)
    assert_rtl_lines(label)


def _codec() -> CallbackCodec:
    return CallbackCodec()


def test_a_paragraph_starting_with_a_number_starts_right_to_left() -> None:
    reply = (ReplyBuilder().para("#12 ", "هو رقم الخبر")
             .para(Span("25/11/2025", italic=True), " موعد التصويت").build(language="ar"))
    [part] = render_parts(reply)
    shown = telegram_text(part)
    assert shown.startswith(f"{bidi.RLM}{bidi.LRI}#12{bidi.PDI} ")
    assert f"\n\n{bidi.RLM}{bidi.LRI}25/11/2025{bidi.PDI} موعد" in shown
    assert_rtl_everywhere(reply)


def test_a_stored_override_cannot_reverse_the_line() -> None:
    for foreign in (False, True):
        reply = Reply((Paragraph((Span("العنوان: "), Span("abc \u202e\u202bdef\u202c", foreign=foreign),
                                  Span(" ثم \u2066نص"))),), language="ar")
        for text in [telegram_text(p) for p in render_parts(reply)] + discord_texts(reply) + [
                console.render(reply)]:
            assert not bidi.EMBEDDINGS.intersection(text)
            assert_rtl_lines(text)


# --- the isolating rule ------------------------------------------------------------------------


def _marked(text: str) -> str:
    return (text.replace(bidi.LRI, "<").replace(bidi.FSI, "{").replace(bidi.PDI, ">")
            .replace(bidi.RLM, "|"))


@pytest.mark.parametrize(("text", "expected"), [
    ("اجتماع #12 في 25/11/2025 الساعة 10:30.", "اجتماع <#12> في <25/11/2025> الساعة <10:30>."),
    ("اكتب /lang en للتغيير", "اكتب </lang en> للتغيير"),
    ("زوروا https://www.interpol.int/ar اليوم", "زوروا <https://www.interpol.int/ar> اليوم"),
    ("قال Jürgen Stock (INTERPOL) إن", "قال <Jürgen Stock (INTERPOL)> إن"),
    ("(انظر #12)", "(انظر <#12>)"),
    ("Stock (INTERPOL عربي", "<Stock> (<INTERPOL> عربي"),
    ("نسبة 50% من", "نسبة <50%> من"),
    ("عربي فقط", "عربي فقط"),
    (" (25/11/2025 10:00)", " <(25/11/2025 10:00)>"),
    (" — Lorem ipsum.", " — <Lorem ipsum.>"),
])
def test_isolate(text: str, expected: str) -> None:
    assert _marked(bidi.isolate(text)) == expected


def test_content_is_isolated_whole_first_strong() -> None:
    assert _marked(bidi.isolate("Title?", foreign=True)) == "{Title?>"
    assert _marked(bidi.isolate("عنوان 12", foreign=True)) == "{عنوان <12>>"


def test_line_fixes_balance_each_line() -> None:
    # a line cut inside an isolate closes it, the next one reopens it
    fixed = bidi.fix_lines(f"abc {bidi.LRI}def\nghi{bidi.PDI} x\n\n{bidi.RLM}ok")
    assert _marked(fixed) == "|abc <def>\n|<ghi> x\n\n|ok"
    # a part that starts inside an isolate opens one (first strong)
    assert _marked(bidi.fix_lines(f"ghi{bidi.PDI} x {bidi.LRI}y")) == "|{ghi> x <y>"


# --- left to right stays as it was ----------------------------------------------------------


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_ltr_replies_render_byte_for_byte_as_without_a_language(lang: str) -> None:
    def variants(reply: Reply) -> tuple[Reply, Reply]:
        return reply, Reply(reply.blocks, reply.buttons, reply.is_error, reply.title)

    digest = digest_reply(items(), TOPICS, lang=lang, tz="Europe/Paris", wanted=[],
                          start=WHEN - dt.timedelta(days=1), end=WHEN + dt.timedelta(hours=1),
                          notify_empty=True)
    assert digest is not None and digest.language == lang and digest.direction == "ltr"
    extra = Reply((Sources("Sources :", (SourceRef("INTERPOL", "https://x.org", "2025-11-25"),)),),
                  (Button("Suivant", "news", "", 2),), language=lang)
    for reply in (digest, extra, broadcast_reply("Bonjour\n\nà tous", lang)):
        with_lang, without = variants(reply)
        assert render_parts(with_lang) == render_parts(without)
        assert ([m.content for m in discord_render.render(with_lang)]
                == [m.content for m in discord_render.render(without)])
        assert ([[e.to_dict() for e in m.embeds] for m in discord_render.render(with_lang)]
                == [[e.to_dict() for e in m.embeds] for m in discord_render.render(without)])
        assert console.render(with_lang) == console.render(without)
        assert keyboard_rows(with_lang.buttons, _codec()) == keyboard_rows(without.buttons, _codec())
        assert not (ISOLATES - {bidi.RLM}).intersection("".join(render_parts(with_lang)))


# --- the reply's language ---------------------------------------------------------------------


def test_language_and_foreign_round_trip_through_the_outbox() -> None:
    reply = Reply((Paragraph((Span("a"), user_text("b", bold=True))),), language="ar")
    data = reply.to_dict()
    assert data["language"] == "ar"
    assert Reply.from_dict(data) == reply
    plain = ReplyBuilder().para("a").build()
    assert "language" not in plain.to_dict()  # payloads of LTR replies are as before
    assert "foreign" not in plain.to_dict()["blocks"][0]["spans"][0]
    old = plain.to_dict()
    assert Reply.from_dict(old).language is None and Reply.from_dict(old).direction == "ltr"
    assert plain_text(reply) == "ab"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_the_dispatcher_says_the_reply_language(app: App) -> None:
    assert (await send(app, "/help", lang="en")).language == "en"
    assert (await send(app, "/nosuchcommand", lang="en", chat_id="c2")).language == "en"
    assert (await send(app, "/help", chat_id="c3")).language == "fr"


async def test_leaving_arabic_answers_left_to_right_in_the_new_language(app) -> None:  # type: ignore[no-untyped-def]
    """/lang es from an Arabic chat: the confirmation is Spanish, so laid out left to right."""
    from tests.helpers import send

    await send(app, "/lang ar", chat_id="rtl")
    reply = await send(app, "/lang es", chat_id="rtl")
    assert reply.language == "es" and reply.direction == "ltr"
    back = await send(app, "/lang ar", chat_id="rtl")
    assert back.language == "ar" and back.direction == "rtl"
