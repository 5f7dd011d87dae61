"""The block walk and the splitter every platform's renderer shares (bot/render/blocks.py)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render.blocks import (
    BlockRenderer,
    TextPieces,
    bullet_mark,
    button_labels,
    cut_point,
    pack,
    split_long,
)
from handlers.reply import BulletList, Button, Heading, Paragraph, Reply, Sources, Span

TEXT = TextPieces()


def test_cut_prefers_a_paragraph_then_a_line_then_a_space_in_the_second_half() -> None:
    text = "a" * 30 + "\n\n" + "b" * 10 + "\n" + "c" * 5 + " " + "d" * 40
    assert cut_point(text, 60) == 30  # the paragraph break wins over the later line break
    assert cut_point("a" * 10 + "\n\n" + "b" * 40 + "\n" + "c" * 40, 60) == 52  # too early: the line
    assert cut_point("a" * 50 + " " + "b" * 40, 60) == 50
    assert cut_point("a" * 100, 60) == 60  # nothing better: a hard cut
    assert cut_point("a" * 60 + " b", 60) == 60  # a space right at the limit counts


def test_cut_counts_the_platforms_units_and_keeps_escapes_whole() -> None:
    emoji = "🇲🇦" * 10  # 20 code points, 40 UTF-16 units
    at = cut_point(emoji, 15, units=lambda c: 2 if ord(c) > 0xFFFF else 1)
    assert at == 7  # 14 units
    assert cut_point("\\*" * 10, 5, keep_after="\\") == 4  # not between "\\" and "*"


def test_pack_joins_blocks_while_they_fit_and_cuts_the_long_ones() -> None:
    assert pack(["one", "two", "three"], 20, TEXT) == ["one\n\ntwo\n\nthree"]
    assert pack(["a" * 8, "b" * 8, "c" * 8], 20, TEXT) == ["a" * 8 + "\n\n" + "b" * 8, "c" * 8]
    assert pack(["  ", "", "x"], 20, TEXT) == ["x"]  # empty blocks vanish
    words = " ".join(f"w{n}" for n in range(40))
    parts = pack(["Title", words], 30, TEXT)
    assert parts[0].startswith("Title\n\nw0 ")  # a heading stays with the start of its text
    assert all(len(p) <= 30 for p in parts)
    assert " ".join(parts).replace("\n\n", " ") == "Title " + words
    alone = pack(["Title", words], 30, TEXT, carry_over=None)
    assert alone[0] == "Title"


@settings(max_examples=80, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("ab \n\\é")), max_size=200), max_size=8),
       st.integers(min_value=4, max_value=120))
def test_packed_parts_fit_and_lose_nothing_but_whitespace(texts: list[str], limit: int) -> None:
    parts = pack(texts, limit, TextPieces(keep_after="\\"))
    assert all(0 < len(p) <= limit for p in parts)
    assert "".join("".join(parts).split()) == "".join("".join(texts).split())


def test_split_long_gives_the_first_piece_its_own_room() -> None:
    pieces = split_long("x " * 50, 20, TEXT, first=8)
    assert len(pieces[0]) <= 8 and all(len(p) <= 20 for p in pieces)


class _Names(BlockRenderer[str]):
    def heading(self, block: Heading) -> str:
        return "H:" + block.text

    def paragraph(self, block: Paragraph) -> str | None:
        return "".join(s.text for s in block.spans) or None

    def bullets(self, block: BulletList) -> str:
        return "|".join(self.items(block, lambda mark, spans: mark + spans[0].text))

    def sources(self, block: Sources) -> str:
        return "S:" + block.label


def test_the_walk_renders_every_block_in_order_and_drops_empty_ones() -> None:
    reply = Reply((Heading("T"), Paragraph((Span(""),)), BulletList(((Span("a"),), (Span("b"),)),
                                                                    numbered=True),
                   BulletList(((Span("c"),),)), Sources("Src", ())))
    assert _Names().blocks(reply) == ["H:T", "1. a|2. b", "• c", "S:Src"]
    assert bullet_mark(3, True) == "3. " and bullet_mark(3, False) == "• "


def test_button_labels_are_bounded_and_never_empty() -> None:
    buttons = [Button("x" * 100, "news"), Button("", "news")]
    assert button_labels(buttons) == ["x" * 64, "·"]
    assert button_labels(buttons, None)[0] == "x" * 100
