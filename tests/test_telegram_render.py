"""The Telegram HTML renderer: escaping, splitting under 4096 visible units, callback data."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.button_store import ButtonStore
from bot.platforms.telegram.render import (
    MAX_CALLBACK_BYTES,
    MAX_MESSAGE,
    CallbackCodec,
    render_parts,
    utf16_len,
)
from handlers.reply import (
    BulletList,
    Button,
    Heading,
    Paragraph,
    Reply,
    SourceRef,
    Sources,
    Span,
)
from tests.fakes.telegram_html import parse_html, strip_message

HOSTILE = "<b>bold?</b> &amp; <script>alert(1)</script> *_[x](y)_* \u202eRTL עברית 🇲🇦👮‍♀️"


def visible(html_text: str) -> str:
    """What Telegram shows for one part (parse like the server, then trim like it)."""
    text, _entities = strip_message(*parse_html(html_text))
    return text


def test_hostile_text_is_escaped_and_comes_out_literally() -> None:
    reply = Reply((
        Heading(HOSTILE),
        Paragraph((Span(HOSTILE, bold=True, italic=True), Span(" x", code=True))),
        BulletList(((Span(HOSTILE, url="https://example.org/?a=1&b=\"2\""),),)),
        Sources("Source:", (SourceRef("<INTERPOL>", "javascript:alert(1)", "2025-11-24"),)),
    ))
    [part] = render_parts(reply)
    assert "<script>" not in part
    shown = visible(part)
    assert shown.count(HOSTILE) == 3
    assert "<INTERPOL> (2025-11-24)" in shown
    assert "javascript:" not in part  # unsafe link schemes are shown as plain text
    assert 'href="https://example.org/?a=1&amp;b=&quot;2&quot;"' in part


def test_code_span_never_nests_other_tags() -> None:
    [part] = render_parts(Reply((Paragraph((Span("a<b", code=True, bold=True, url="https://x.org"),)),)))
    assert part == "<code>a&lt;b</code>"


def test_long_reply_splits_on_block_boundaries() -> None:
    blocks = tuple(Paragraph((Span(f"{n:03} " + "x" * 995, bold=n % 2 == 0),)) for n in range(10))
    parts = render_parts(Reply(blocks))
    assert len(parts) == 3
    shown = [visible(p) for p in parts]
    assert all(utf16_len(s) <= MAX_MESSAGE for s in shown)
    # every block is whole in exactly one part, in order
    assert "\n\n".join(shown) == "\n\n".join(f"{n:03} " + "x" * 995 for n in range(10))


def test_single_huge_block_is_cut_between_words_with_tags_reopened() -> None:
    words = " ".join(f"mot{n}" for n in range(3000))  # ~17,000 characters
    parts = render_parts(Reply((Paragraph((Span(words, bold=True),)),)))
    assert len(parts) >= 5
    for p in parts:
        assert p.startswith("<b>") and p.endswith("</b>")
        assert utf16_len(visible(p)) <= MAX_MESSAGE
    assert " ".join(visible(p) for p in parts) == words


def test_a_heading_stays_with_the_start_of_its_long_text() -> None:
    body = " ".join(f"mot{n}" for n in range(1500))  # ~8,400 characters
    parts = render_parts(Reply((Heading("Titre"), Paragraph((Span(body),)))))
    assert len(parts) == 3
    assert parts[0].startswith("<b>Titre</b>\n\nmot0 ")
    assert all(utf16_len(visible(p)) <= MAX_MESSAGE for p in parts)


def test_emoji_count_as_two_units() -> None:
    body = "🇲🇦" * 1500  # 3000 code points, 6000 UTF-16 units, no spaces
    parts = render_parts(Reply((Paragraph((Span(body),)),)))
    assert len(parts) == 2
    assert all(utf16_len(visible(p)) <= MAX_MESSAGE for p in parts)
    assert "".join(visible(p) for p in parts) == body


def test_empty_reply_still_sends_something() -> None:
    assert render_parts(Reply(())) == ["…"]


_text = st.text(
    alphabet=st.sampled_from(list("ab <>&\"'*_[]`\n é🇲🇦ע\u202e")), min_size=0, max_size=300
)
_span = st.builds(Span, _text, st.booleans(), st.booleans(), st.booleans(),
                  st.sampled_from([None, "https://a.org/?q=<x>&y", "ftp://no"]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_span, min_size=1, max_size=6), min_size=1, max_size=8),
       st.integers(min_value=20, max_value=500))
def test_any_reply_renders_to_valid_parts_within_limit(paragraphs: list[list[Span]],
                                                       limit: int) -> None:
    reply = Reply(tuple(Paragraph(tuple(p)) for p in paragraphs))
    parts = render_parts(reply, limit)
    for part in parts:
        shown = visible(part)  # raises on markup Telegram would refuse
        assert shown
        assert utf16_len(shown) <= limit
    original = "".join("".join(s.text for s in p) for p in paragraphs)
    assert "".join(visible(p) for p in parts).replace("\n", "").replace(" ", "") == (
        "".join(original.split()) or "…"
    )


async def test_short_callback_data_round_trips() -> None:
    codec = CallbackCodec()
    data = codec.encode(Button("Suivant", "news", "20", 2))
    assert data == "news|2|20"
    assert await codec.decode(data) == ("news", 2, "20")


async def test_long_callback_data_uses_a_token_within_64_bytes() -> None:
    codec = CallbackCodec()
    button = Button("Next", "search", "réforme de la coopération policière " * 3, 3)
    await codec.keep([button])
    data = codec.encode(button)
    assert len(data.encode()) <= MAX_CALLBACK_BYTES
    assert await codec.decode(data) == ("search", 3, button.args)
    # without a database, another process does not know it (the App's codecs use one)
    assert await CallbackCodec().decode(data) is None


async def test_forged_callback_data_is_rejected() -> None:
    codec = CallbackCodec()
    for forged in ("", "x", "news|abc|1", "|1|", "ne ws|1|", "news|0|", "news|999999|",
                   "~deadbeef", "~" + "0" * 32, "<b>|1|x"):
        assert await codec.decode(forged) is None, forged


async def test_token_cache_is_bounded() -> None:
    codec = CallbackCodec(ButtonStore(capacity=2))
    buttons = [Button("n", "search", "z" * 80 + str(i), 2) for i in range(3)]
    await codec.keep(buttons)
    assert await codec.decode(codec.encode(buttons[0])) is None
    assert await codec.decode(codec.encode(buttons[2])) is not None
