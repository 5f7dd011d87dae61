"""Plain-text rendering for the console and `python -m bot ask`.

A terminal has no markup to escape, but it obeys control sequences: the output goes through
the input cleaning rule (no ESC, no bidi override), whatever the stored text holds.

A reply in a right-to-left language (Arabic) is prepared by :func:`bot.render.bidi.prepare`
(stored bidi controls removed, left-to-right runs and content isolated), made safe for a
terminal the same way but for the renderer's own isolates, and every line (after wrapping)
starts right to left with its isolates balanced (:func:`bot.render.bidi.fix_lines`).
Left-to-right replies are rendered exactly as before."""

from __future__ import annotations

import textwrap
import unicodedata

from bot.render import bidi
from bot.render.blocks import BlockRenderer, button_labels, is_rtl
from handlers.parse import clean_input
from handlers.reply import BulletList, Heading, Paragraph, Reply, Sources, Span

WIDTH = 88


def _url(url: str, rtl: bool) -> str:
    """``<url>``, isolated in a right-to-left reply."""
    return f"{bidi.LRI}<{bidi.neutralize(url)}>{bidi.PDI}" if rtl else f"<{url}>"


def _spans(spans: tuple[Span, ...], rtl: bool = False) -> str:
    out = []
    for s in spans:
        shown = bidi.neutralize(s.text) if rtl else s.text
        out.append(f"{s.text} {_url(s.url, rtl)}" if s.url and s.url != shown else s.text)
    return "".join(out)


def _wrap(text: str, indent: str = "", first: str | None = None) -> str:
    lines = []
    for i, para in enumerate(text.split("\n")):
        lines.append(textwrap.fill(
            para, WIDTH, initial_indent=(first if first is not None and i == 0 else indent),
            subsequent_indent=indent, break_long_words=True, replace_whitespace=False,
        ) or (first or indent).rstrip())
    return "\n".join(lines)


class _PlainBlocks(BlockRenderer[str]):
    def heading(self, block: Heading) -> str:
        return f"{block.text}\n{'=' * min(len(block.text), WIDTH)}"

    def paragraph(self, block: Paragraph) -> str:
        return _wrap(_spans(block.spans, self.rtl))

    def bullets(self, block: BulletList) -> str:
        return "\n".join(self.items(
            block, lambda mark, spans: _wrap(_spans(spans, self.rtl), " " * len(mark), mark)))

    def sources(self, block: Sources) -> str:
        refs = "; ".join(
            r.name + (f" ({r.date})" if r.date else "") + (f" {_url(r.url, self.rtl)}" if r.url else "")
            for r in block.refs
        )
        return _wrap(f"{block.label} {refs}")


_BLOCKS = _PlainBlocks()
_RTL_BLOCKS = _PlainBlocks(rtl=True)
#: invisible characters a terminal is not shown (as :func:`clean_input` drops them), but the
#: isolates of a right-to-left reply, which :func:`bidi.prepare` made itself
_HIDDEN = frozenset("\u200b\u2060\ufeff") | bidi.EMBEDDINGS


def _terminal_safe(text: str) -> str:
    """No control character (but newlines and tabs), no lone surrogate, no embedding or
    override: :func:`clean_input` keeping the isolates and the line structure."""
    return unicodedata.normalize("NFC", "".join(
        c for c in text if c in "\n\t" or (
            c not in _HIDDEN and unicodedata.category(c) not in ("Cc", "Cs"))))


def _render_rtl(reply: Reply) -> str:
    reply = bidi.prepare(reply)
    parts = _RTL_BLOCKS.blocks(reply)
    if reply.buttons:
        labels = button_labels(reply.buttons, None, rtl=True)
        parts.append("  ".join(f"{bidi.isolate(f'[{n}]')} {label}"
                               for n, label in enumerate(labels, 1)))
    parts.extend(_files(reply))
    return bidi.fix_lines(_terminal_safe("\n\n".join(p for p in parts if p)).strip())


def _files(reply: Reply) -> list[str]:
    """A terminal shows no file: it names each one the reply carries."""
    return [f"(file: {a.filename}, {len(a.data)} bytes)" for a in reply.attachments]


def render(reply: Reply) -> str:
    """The whole reply as terminal text (no length limit: it is never split); buttons are
    numbered, typing the number presses one."""
    if is_rtl(reply):
        return _render_rtl(reply)
    parts = _BLOCKS.blocks(reply)
    if reply.buttons:
        parts.append("  ".join(f"[{n}] {label}" for n, label
                               in enumerate(button_labels(reply.buttons, None), 1)))
    parts.extend(_files(reply))
    return clean_input("\n\n".join(p for p in parts if p))
