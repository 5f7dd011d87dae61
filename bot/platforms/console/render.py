"""Plain-text rendering for the console and `python -m bot ask`.

A terminal has no markup to escape, but it obeys control sequences: the output goes through
the input cleaning rule (no ESC, no bidi override), whatever the stored text holds."""

from __future__ import annotations

import textwrap

from bot.render.blocks import BlockRenderer, button_labels
from handlers.parse import clean_input
from handlers.reply import BulletList, Heading, Paragraph, Reply, Sources, Span

WIDTH = 88


def _spans(spans: tuple[Span, ...]) -> str:
    out = []
    for s in spans:
        out.append(f"{s.text} <{s.url}>" if s.url and s.url != s.text else s.text)
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
        return _wrap(_spans(block.spans))

    def bullets(self, block: BulletList) -> str:
        return "\n".join(self.items(
            block, lambda mark, spans: _wrap(_spans(spans), " " * len(mark), mark)))

    def sources(self, block: Sources) -> str:
        refs = "; ".join(
            r.name + (f" ({r.date})" if r.date else "") + (f" <{r.url}>" if r.url else "")
            for r in block.refs
        )
        return _wrap(f"{block.label} {refs}")


_BLOCKS = _PlainBlocks()


def render(reply: Reply) -> str:
    """The whole reply as terminal text (no length limit: it is never split); buttons are
    numbered, typing the number presses one."""
    parts = _BLOCKS.blocks(reply)
    if reply.buttons:
        parts.append("  ".join(f"[{n}] {label}" for n, label
                               in enumerate(button_labels(reply.buttons, None), 1)))
    return clean_input("\n\n".join(p for p in parts if p))
