"""The Discord renderer and button codec, without a network: limits, escaping, splitting."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.platforms.discord.buttons import CUSTOM_ID_MAX, ButtonCodec
from bot.platforms.discord.render import CONTENT_MAX, DiscordMessage, render
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
)
from tests.fakes.discord_spec import check_message_limits

TRICKY = "*_~`|>#-[]()@<>\\ \n"


def body(m: DiscordMessage) -> dict[str, object]:
    return {"content": m.content, "embeds": [e.to_dict() for e in m.embeds]}


def visible(messages: list[DiscordMessage]) -> str:
    parts: list[str] = []
    for m in messages:
        parts.append(m.content or "")
        for e in m.embeds:
            parts += [e.title or "", e.description or ""]
    return "\n".join(parts)


text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))
               | st.sampled_from(TRICKY), max_size=3000)
span = st.builds(Span, text, bold=st.booleans(), italic=st.booleans(), code=st.booleans(),
                 url=st.none() | st.just("https://www.interpol.int/fr"))
block = st.one_of(
    st.builds(Heading, text),
    st.builds(Paragraph, st.lists(span, min_size=1, max_size=4).map(tuple)),
    st.builds(BulletList, st.lists(st.lists(span, min_size=1, max_size=3).map(tuple),
                                   min_size=1, max_size=30).map(tuple), st.booleans()),
    st.builds(Sources, text, st.lists(st.builds(
        SourceRef, text, st.none() | st.just("https://le360.ma/a"), st.none() | text,
    ), min_size=1, max_size=3).map(tuple)),
)
replies = st.builds(Reply, st.lists(block, min_size=1, max_size=12).map(tuple),
                    is_error=st.booleans(), title=st.none() | text)


@settings(max_examples=60, deadline=None)
@given(replies)
def test_any_reply_fits_discord_limits_and_never_pings(reply: Reply) -> None:
    messages = render(reply)
    assert messages
    for m in messages:
        assert check_message_limits(body(m)) == {}
        assert (m.content is None) != (not m.embeds)  # content or embeds, never neither
    shown = visible(messages)
    assert "@everyone" not in shown and "@here" not in shown
    assert re.search(r"<@[!&]?\d", shown) is None


def test_short_untitled_reply_is_plain_content_and_titled_one_an_embed() -> None:
    (plain,) = render(ReplyBuilder().para("Langue : ", Span("français", bold=True)).build())
    assert plain.content == "Langue : **français**" and plain.embeds == []
    (titled,) = render(ReplyBuilder().heading("Programme").para("Mardi").build())
    assert titled.content is None
    assert titled.embeds[0].title == "Programme" and titled.embeds[0].description == "Mardi"


def test_errors_are_plain_content_even_with_a_heading() -> None:
    (m,) = render(ReplyBuilder().heading("Oups").para("mauvais jour").build(is_error=True))
    assert m.embeds == [] and m.content == "**Oups**\n\nmauvais jour"


def test_markup_from_content_is_shown_literally() -> None:
    reply = ReplyBuilder().heading("# Titre @everyone").para(
        "**gras** _it_ [x](https://evil.example) <@123> ",
        Span("code `x` @here", code=True),
    ).build()
    (m,) = render(reply)
    embed = m.embeds[0]
    assert embed.title == "\\# Titre @\u200beveryone"
    assert embed.description == (
        "\\*\\*gras\\*\\* \\_it\\_ \\[x](https://evil.example) <@\u200b123> `code ˋxˋ @\u200bhere`"
    )


def test_lists_links_and_sources() -> None:
    b = ReplyBuilder().heading("Nouvelles")
    b.bullets([(Span("un"),), (Span("deux", url="https://www.interpol.int/a"),)], numbered=True)
    b.sources("Source :", [SourceRef("Le360", "https://le360.ma/x", "2025-11-24"),
                           SourceRef("Site (officiel)", "javascript:alert(1)")])
    (m,) = render(b.build())
    assert m.embeds[0].description == (
        "1\\. un\n2\\. [deux](https://www.interpol.int/a)\n\n"
        "*Source :* [Le360](https://le360.ma/x) (2025-11-24) · Site (officiel)"
    )


def test_a_long_reply_is_split_on_block_boundaries() -> None:
    paragraphs = [f"Paragraphe {i} " + "mot " * 300 for i in range(12)]
    b = ReplyBuilder().heading("Long")
    for p in paragraphs:
        b.para(p)
    messages = render(b.build())
    assert len(messages) >= 2
    descriptions = [e.description or "" for m in messages for e in m.embeds]
    for i in range(12):  # each paragraph whole, in one description
        assert sum(f"Paragraphe {i} " in d for d in descriptions) == 1
        assert any(paragraphs[i].strip() in d for d in descriptions)
    assert messages[0].embeds[0].title == "Long"
    assert all(e.title is None for m in messages for e in m.embeds[1:])


def test_a_huge_paragraph_is_cut_on_words_and_escapes_stay_whole() -> None:
    reply = Reply((Paragraph((Span("*" * 5000),)),))
    messages = render(reply)
    assert [len(m.content or "") <= CONTENT_MAX for m in messages] == [True] * len(messages)
    assert "".join(m.content or "" for m in messages) == "\\*" * 5000


async def test_button_codec_round_trip_long_args_and_forgeries() -> None:
    codec = ButtonCodec()
    short = codec.encode(Button("Suivant", "search", "cybercriminalité", 3))
    assert short == "nb:search:3:=cybercriminalité"
    press = await codec.decode(short)
    assert press is not None and (press.command, press.page, press.args) == (
        "search", 3, "cybercriminalité")
    long_args = "mot " * 60
    button = Button("Suivant", "search", long_args, 2)
    await codec.keep([button])
    encoded = codec.encode(button)
    assert len(encoded) <= CUSTOM_ID_MAX
    assert (await codec.decode(encoded)).args == long_args  # type: ignore[union-attr]
    # without a database, another process does not know it (the App's codecs use one)
    assert await ButtonCodec().decode(encoded) is None
    for forged in ("", "nb:search:x:=a", "nb:SEARCH:1:=a", "other:1", "nb:search:1:a",
                   encoded.replace("nb:search:", "nb:admin:")):
        assert await codec.decode(forged) is None
