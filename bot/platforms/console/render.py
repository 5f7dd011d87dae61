"""Plain-text rendering for the console and `python -m bot ask`.

A terminal has no markup to escape, but it obeys control sequences: the output goes through
the input cleaning rule (no ESC, no bidi override), whatever the stored text holds."""

from __future__ import annotations

import textwrap

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


def render(reply: Reply) -> str:
    parts: list[str] = []
    for b in reply.blocks:
        if isinstance(b, Heading):
            parts.append(f"{b.text}\n{'=' * min(len(b.text), WIDTH)}")
        elif isinstance(b, Paragraph):
            parts.append(_wrap(_spans(b.spans)))
        elif isinstance(b, BulletList):
            rows = []
            for n, item in enumerate(b.items, 1):
                mark = f"{n}. " if b.numbered else "• "
                rows.append(_wrap(_spans(item), " " * len(mark), mark))
            parts.append("\n".join(rows))
        elif isinstance(b, Sources):
            refs = "; ".join(
                r.name + (f" ({r.date})" if r.date else "") + (f" <{r.url}>" if r.url else "")
                for r in b.refs
            )
            parts.append(_wrap(f"{b.label} {refs}"))
    if reply.buttons:
        parts.append("  ".join(f"[{n}] {btn.label}" for n, btn in enumerate(reply.buttons, 1)))
    return clean_input("\n\n".join(p for p in parts if p))
