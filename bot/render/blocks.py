"""What every platform's renderer shares: the walk over a Reply's blocks and the splitter.

A platform's renderer (bot/platforms/*/render.py) specialises :class:`BlockRenderer`: it
says how a heading, a paragraph, a list and a source line look on that platform (HTML runs,
Discord markdown, plain text); the walk, the list markers and the buttons' labels are the
same everywhere.

Right to left: a renderer made with ``rtl=True`` renders a reply whose direction is "rtl",
prepared by :func:`bot.render.bidi.prepare` (isolates inside the span texts); its list
markers are isolated (:func:`bidi.mark`) and each rendered piece is repaired line by line
(:func:`bidi.line_fixes`), also after a cut, for which a part keeps :data:`bidi.RESERVE`
units free. A left-to-right reply goes through none of this.

The splitter packs rendered blocks into messages of at most ``limit`` units (code points,
or Telegram's UTF-16 units): blocks are joined by a blank line while they fit; a block too
long for one message is cut on a paragraph break, else a line break, else a space (in the
second half of the room, so no piece is needlessly short), else anywhere; a long block
starts right after the short ones before it when enough room is left (a heading stays with
the beginning of its text). The pieces being packed are the platform's own (a string, a
list of styled runs): :class:`Pieces` says how to measure, cut, trim and join them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Generic, Protocol, TypeVar

from bot.render import bidi
from handlers.reply import BulletList, Button, Heading, Paragraph, Reply, Sources, Span

T = TypeVar("T")
P = TypeVar("P")

Block = Heading | Paragraph | BulletList | Sources

#: blocks of one message are joined by a blank line
BLOCK_SEPARATOR = "\n\n"
#: where a too-long text is cut, best first
CUT_AT = ("\n\n", "\n", " ")


def bullet_mark(n: int, numbered: bool) -> str:
    """The marker of list item ``n`` (from 1): "1. " or "• "."""
    return f"{n}. " if numbered else "• "


def button_labels(buttons: Sequence[Button], width: int | None = 64,
                  rtl: bool = False) -> list[str]:
    """Each button's label as a platform shows it: at most ``width`` characters (None: any),
    never empty; ``rtl``: labels of a prepared right-to-left reply, starting right to left
    with balanced isolates (:func:`bidi.label`)."""
    if rtl:
        return [bidi.label(b.label, width) or "·" for b in buttons]
    return [b.label[:width] or "·" for b in buttons]


def is_rtl(reply: Reply) -> bool:
    return reply.direction == "rtl"


class BlockRenderer(Generic[T]):
    """Walks a Reply's blocks in order; a platform's renderer says how each kind looks.

    Each method returns the rendered block, or None when it shows nothing; :meth:`items`
    renders a list item by item (``item`` gets the item's marker and its spans). With
    ``rtl`` it renders right-to-left replies (made by :func:`bidi.prepare`): markers
    isolated.
    """

    def __init__(self, rtl: bool = False) -> None:
        self.rtl = rtl

    def mark(self, n: int, numbered: bool) -> str:
        mark = bullet_mark(n, numbered)
        return bidi.mark(mark) if self.rtl else mark

    def heading(self, block: Heading) -> T | None:
        raise NotImplementedError

    def paragraph(self, block: Paragraph) -> T | None:
        raise NotImplementedError

    def bullets(self, block: BulletList) -> T | None:
        raise NotImplementedError

    def sources(self, block: Sources) -> T | None:
        raise NotImplementedError

    def items(self, block: BulletList,
              item: Callable[[str, tuple[Span, ...]], T]) -> list[T]:
        return [item(self.mark(n, block.numbered), spans)
                for n, spans in enumerate(block.items, 1)]

    def block(self, block: Block) -> T | None:
        if isinstance(block, Heading):
            return self.heading(block)
        if isinstance(block, Paragraph):
            return self.paragraph(block)
        if isinstance(block, BulletList):
            return self.bullets(block)
        return self.sources(block)

    def blocks(self, reply: Reply | Iterable[Block]) -> list[T]:
        """Every block that shows something, rendered, in order."""
        blocks = reply.blocks if isinstance(reply, Reply) else reply
        return [r for r in (self.block(b) for b in blocks) if r is not None]


def cut_point(text: str, limit: int, units: Callable[[str], int] | None = None,
              keep_after: str = "") -> int:
    """Index (in code points) where ``text`` is cut so its head is at most ``limit`` units
    long (``units``: one character's, e.g. UTF-16 code units; None: one each).

    Prefers a paragraph break, then a line break, then a space, in the second half of the
    room (a separator right at the limit counts: it is dropped); otherwise cuts hard (never
    between the two halves of a surrogate pair, since strings index code points). Never
    right after a character of ``keep_after`` (Discord: an escaping backslash stays with
    what it escapes) unless nothing else is possible.
    """
    hard = 0
    if units is None:
        hard = min(len(text), limit)
    else:
        counted = 0
        for i, c in enumerate(text):
            counted += units(c)
            if counted > limit:
                break
            hard = i + 1
    window = text[:hard + 1]
    at = max(hard, 1)
    for sep in CUT_AT:
        pos = window.rfind(sep)
        if pos >= hard // 2 and pos > 0:
            at = pos
            break
    while keep_after and at > 1 and text[at - 1] in keep_after:
        at -= 1
    return at


class Pieces(Protocol[P]):
    """How the splitter handles one platform's rendered text (a string, styled runs)."""

    def size(self, piece: P) -> int:
        """Its length as the platform counts it."""
        ...

    def text(self, piece: P) -> str:
        """Its visible text (indexes into it are the cut points)."""
        ...

    def split(self, piece: P, at: int) -> tuple[P, P]:
        """The piece before and from code point ``at`` of its text."""
        ...

    def strip(self, piece: P) -> P:
        """Without whitespace at either end (the platforms trim it anyway)."""
        ...

    def join(self, head: P, tail: P) -> P:
        """``head``, a blank line (:data:`BLOCK_SEPARATOR`), ``tail``."""
        ...

    def cut(self, text: str, limit: int) -> int:
        """Where ``text`` is cut to fit ``limit`` (usually :func:`cut_point`)."""
        ...


def split_long(block: P, limit: int, ops: Pieces[P], first: int | None = None) -> list[P]:
    """Cut one oversized block into pieces of at most ``limit`` (``first`` for the first)."""
    pieces: list[P] = []
    rest = ops.strip(block)
    room = first or limit
    while ops.size(rest) > room:
        head, rest = ops.split(rest, ops.cut(ops.text(rest), room))
        head = ops.strip(head)
        if ops.size(head):
            pieces.append(head)
        rest = ops.strip(rest)
        room = limit
    if ops.size(rest):
        pieces.append(rest)
    return pieces


def pack(blocks: Iterable[P], limit: int, ops: Pieces[P], *,
         carry_over: float | None = 0.25) -> list[P]:
    """Greedy packing of blocks into messages of at most ``limit``, blocks joined by a blank
    line; an oversized block is cut (:func:`split_long`). When at least ``carry_over`` of a
    message is still free, a long block starts in it (None: always on a new message)."""
    parts: list[P] = []
    current: P | None = None
    size = 0
    sep = len(BLOCK_SEPARATOR)
    for block in blocks:
        block = ops.strip(block)
        n = ops.size(block)
        if not n:
            continue
        if current is not None and size + sep + n <= limit:
            current = ops.join(current, block)
            size += sep + n
            continue
        room = limit - size - sep
        if (n > limit and current is not None and carry_over is not None
                and room >= limit * carry_over):
            head, *pieces = split_long(block, limit, ops, first=room)
            current = ops.join(current, head)
            if not pieces:  # cannot happen (n > limit >= room) but keep the invariant
                size = ops.size(current)
                continue
        else:
            pieces = split_long(block, limit, ops) if n > limit else [block]
        if current is not None:
            parts.append(current)
        parts.extend(pieces[:-1])
        current = pieces[-1]
        size = ops.size(current)
    if current is not None:
        parts.append(current)
    return parts


class TextPieces:
    """:class:`Pieces` for plain strings measured in code points (Discord, the console)."""

    def __init__(self, keep_after: str = "") -> None:
        self.keep_after = keep_after

    def size(self, piece: str) -> int:
        return len(piece)

    def text(self, piece: str) -> str:
        return piece

    def split(self, piece: str, at: int) -> tuple[str, str]:
        return piece[:at], piece[at:]

    def strip(self, piece: str) -> str:
        return piece.strip()

    def join(self, head: str, tail: str) -> str:
        return head + BLOCK_SEPARATOR + tail

    def cut(self, text: str, limit: int) -> int:
        return cut_point(text, limit, keep_after=self.keep_after)
