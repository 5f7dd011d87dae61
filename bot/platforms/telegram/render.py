"""Telegram rendering: a Reply becomes HTML messages (parse_mode=HTML) and an inline keyboard.

The walk over the blocks and the splitter are shared (bot/render/blocks.py); this module
says how blocks look in Telegram HTML and how runs are measured and cut.

Why runs: every block is first flattened into styled runs (spans) of plain text. A message is then
rendered from runs, so every piece of text goes through ``html.escape`` exactly once, and a
block too long for one message can be cut anywhere *between characters of text* — tags are
closed at the end of one part and reopened at the start of the next by construction.

Telegram counts the 4096-character limit on the text after entity parsing, in UTF-16 code
units; runs hold exactly that visible text, so the count is exact, never guessed from HTML.

A reply in a right-to-left language (Arabic) is prepared by :func:`bot.render.bidi.prepare`
(isolates inside the span texts, so never across tags) and each block's and each message's
lines are repaired by :func:`bot.render.bidi.line_fixes` (an RLM at each line's start, isolates
balanced after a cut); the isolates are visible text for Telegram's count, so they are in the
runs and measured. Left-to-right replies are rendered exactly as before.

Callback data is limited to 64 bytes: a button is encoded as ``command|page|args`` when that
fits, else as ``~<token>``, a key derived from the payload, which the codec's
:class:`bot.button_store.ButtonStore` keeps in the database (``button_tokens``) so a restart
or another replica answers it. An expired, unknown or forged token decodes to None and the
platform answers politely.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import replace

from bot.button_store import ButtonStore, button_token
from bot.render import bidi, blocks
from bot.render.blocks import BLOCK_SEPARATOR, BlockRenderer, button_labels, cut_point, is_rtl
from handlers.reply import BulletList, Button, Heading, Paragraph, Reply, Sources, Span

MAX_MESSAGE = 4096
MAX_CALLBACK_BYTES = 64
_SAFE_SCHEMES = ("http://", "https://", "tg://")


#: a run is a span whose URL is already checked; code excludes the other styles
Run = Span


def _style(run: Run) -> tuple[bool, bool, bool, str | None]:
    return (run.bold, run.italic, run.code, run.url)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji outside the BMP counts 2)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _char_units(c: str) -> int:
    return 2 if ord(c) > 0xFFFF else 1


def _safe_url(url: str | None) -> str | None:
    if url and url.strip().lower().startswith(_SAFE_SCHEMES) and not any(c.isspace() for c in url):
        return url.strip()
    return None


def _span_runs(spans: Iterable[Span]) -> list[Run]:
    return [
        Run(s.text, bold=s.bold, italic=s.italic, code=s.code, url=_safe_url(s.url))
        for s in spans
        if s.text
    ]


class _RunBlocks(BlockRenderer[list[Run]]):
    """Each block as styled runs of visible text."""

    def heading(self, block: Heading) -> list[Run]:
        return [Run(block.text, bold=True)] if block.text else []

    def paragraph(self, block: Paragraph) -> list[Run]:
        return _span_runs(block.spans)

    def bullets(self, block: BulletList) -> list[Run]:
        runs: list[Run] = []
        for item in self.items(block, lambda mark, spans: [Run(mark), *_span_runs(spans)]):
            if runs:
                runs.append(Run("\n"))
            runs.extend(item)
        return runs

    def sources(self, block: Sources) -> list[Run]:
        runs = [Run(block.label, italic=True), Run(" ")]
        for n, ref in enumerate(block.refs):
            if n:
                runs.append(Run("; "))
            runs.append(Run(ref.name, url=_safe_url(ref.url)))
            if ref.date:
                runs.append(Run(f" ({ref.date})"))
        return runs


_BLOCKS = _RunBlocks()
_RTL_BLOCKS = _RunBlocks(rtl=True)


def block_runs(block: Heading | Paragraph | BulletList | Sources) -> list[Run]:
    """One block as styled runs of visible text."""
    return _BLOCKS.block(block) or []


def runs_to_html(runs: Sequence[Run]) -> str:
    """Escape every text piece and wrap it in the tags of its style (merging equal styles)."""
    out: list[str] = []
    merged: list[Run] = []
    for r in runs:
        if not r.text:
            continue
        if merged and _style(merged[-1]) == _style(r):
            merged[-1] = replace(merged[-1], text=merged[-1].text + r.text)
        else:
            merged.append(r)
    for r in merged:
        text = html.escape(r.text, quote=False)
        if r.code:
            out.append(f"<code>{text}</code>")
            continue
        if r.italic:
            text = f"<i>{text}</i>"
        if r.bold:
            text = f"<b>{text}</b>"
        if r.url:
            text = f'<a href="{html.escape(r.url, quote=True)}">{text}</a>'
        out.append(text)
    return "".join(out)


class RunPieces:
    """The shared splitter's :class:`~bot.render.blocks.Pieces` for runs: measured in UTF-16
    units, cut between characters of text (tags are closed and reopened by construction)."""

    def size(self, piece: list[Run]) -> int:
        return sum(utf16_len(r.text) for r in piece)

    def text(self, piece: list[Run]) -> str:
        return visible_text(piece)

    def split(self, piece: list[Run], at: int) -> tuple[list[Run], list[Run]]:
        head: list[Run] = []
        tail: list[Run] = []
        pos = 0
        for r in piece:
            end = pos + len(r.text)
            if end <= at:
                head.append(r)
            elif pos >= at:
                tail.append(r)
            else:
                head.append(replace(r, text=r.text[: at - pos]))
                tail.append(replace(r, text=r.text[at - pos:]))
            pos = end
        return head, tail

    def strip(self, piece: list[Run]) -> list[Run]:
        """Drop whitespace at both ends of a part (Telegram trims it anyway)."""
        runs = [r for r in piece if r.text]
        while runs and not runs[0].text.lstrip():
            runs.pop(0)
        while runs and not runs[-1].text.rstrip():
            runs.pop()
        if runs:
            runs[0] = replace(runs[0], text=runs[0].text.lstrip())
            runs[-1] = replace(runs[-1], text=runs[-1].text.rstrip())
        return runs

    def join(self, head: list[Run], tail: list[Run]) -> list[Run]:
        return [*head, Run(BLOCK_SEPARATOR), *tail]

    def cut(self, text: str, limit: int) -> int:
        return cut_point(text, limit, units=_char_units)


RUNS = RunPieces()


def split_long(runs: list[Run], limit: int, first: int | None = None) -> list[list[Run]]:
    """Cut one oversized block into pieces of at most ``limit`` units (``first`` for the first)."""
    return blocks.split_long(runs, limit, RUNS, first)


def pack(parts: Iterable[list[Run]], limit: int = MAX_MESSAGE) -> list[list[Run]]:
    """Greedy packing of blocks into messages, blocks joined by a blank line."""
    return blocks.pack(parts, limit, RUNS)


def fix_runs(runs: list[Run], carry: Sequence[str] = ()) -> tuple[list[Run], list[str]]:
    """``runs`` with :func:`bidi.repair` applied (``carry``: isolates open at the end of the
    part before), and the isolates open at their end: what starts a line goes into the run of
    the line's first character, what ends it into the run of its last one."""
    fixes, carry = bidi.repair(visible_text(runs), carry)
    if not fixes:
        return runs, carry
    out = [replace(r) for r in runs if r.text]
    starts = []
    pos = 0
    for r in out:
        starts.append(pos)
        pos += len(r.text)
    # from the end, so earlier positions stay valid
    for at, insert in reversed(fixes):
        n = next((k for k in range(len(out)) if starts[k] <= at < starts[k] + len(out[k].text)),
                 len(out) - 1)
        if insert.startswith(bidi.PDI) and at == starts[n] and n:
            n -= 1  # a line's end: into the run of its last character
        offset = at - starts[n]
        out[n] = replace(out[n], text=out[n].text[:offset] + insert + out[n].text[offset:])
    return out, carry


def render_parts(reply: Reply, limit: int = MAX_MESSAGE) -> list[str]:
    """The reply as HTML message texts, each <= ``limit`` visible UTF-16 units, in order.

    Right to left: the reply is prepared (:func:`bidi.prepare`), every block's lines start
    right to left, and each message is repaired after the cuts (within ``limit``)."""
    if not is_rtl(reply):
        return [runs_to_html(p) for p in pack(_BLOCKS.blocks(reply), limit)] or ["…"]
    parts = pack((fix_runs(b)[0] for b in _RTL_BLOCKS.blocks(bidi.prepare(reply))),
                 limit - bidi.RESERVE)
    html_parts: list[str] = []
    carry: list[str] = []
    for part in parts:
        fixed, carry = fix_runs(part, carry)
        html_parts.append(runs_to_html(fixed))
    return html_parts or ["…"]


def visible_text(runs: Sequence[Run]) -> str:
    return "".join(r.text for r in runs)


# --- buttons -------------------------------------------------------------------------------


class CallbackCodec:
    """Encodes buttons into <= 64-byte callback data; long ones become tokens kept in ``store``.

    ``encode`` is pure (no I/O); a caller sending buttons first awaits :meth:`keep` for them,
    which stores the payloads that need a token (one write for a keyboard).
    """

    def __init__(self, store: ButtonStore | None = None) -> None:
        self.store = store if store is not None else ButtonStore()

    @staticmethod
    def _token(button: Button) -> str | None:
        """None when the payload fits in the callback data itself."""
        data = f"{button.command}|{button.page}|{button.args}"
        if len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES:
            return None
        return button_token(button.command, button.page, button.args)

    def encode(self, button: Button) -> str:
        token = self._token(button)
        return f"{button.command}|{button.page}|{button.args}" if token is None else "~" + token

    async def keep(self, buttons: Iterable[Button]) -> None:
        """Store the payloads of the buttons that are sent as a token."""
        await self.store.keep([(t, (b.command, b.page, b.args)) for b in buttons
                               if (t := self._token(b)) is not None])

    async def decode(self, data: str | None) -> tuple[str, int, str] | None:
        """(command, page, args), or None for stale or forged data."""
        if not data:
            return None
        if data.startswith("~"):
            return await self.store.find(data[1:]) if len(data) == 33 else None
        command, sep1, rest = data.partition("|")
        page_text, sep2, args = rest.partition("|")
        if not (sep1 and sep2 and command and page_text.isdigit()):
            return None
        if not command.replace("_", "").isalnum() or not command.isascii() or len(command) > 32:
            return None
        page = int(page_text)
        if not 1 <= page <= 10_000:
            return None
        return command.lower(), page, args


def keyboard_rows(buttons: Sequence[Button], codec: CallbackCodec,
                  per_row: int = 3, rtl: bool = False) -> list[list[tuple[str, str]]]:
    """Buttons as rows of (label, callback_data); at most ``per_row`` a row. ``rtl``: the
    buttons of a right-to-left reply, whose labels are isolated (:func:`bidi.isolate`) and
    start right to left."""
    if rtl:
        buttons = [replace(b, label=bidi.isolate(b.label)) for b in buttons]
    cells = list(zip(button_labels(buttons, rtl=rtl), (codec.encode(b) for b in buttons),
                     strict=True))
    return [cells[i:i + per_row] for i in range(0, len(cells), per_row)]
