"""Right to left done right: Unicode bidi isolation (UAX #9) for the renderers.

A reply in a right-to-left language (``Reply.direction == "rtl"``, Arabic) is prepared
before a platform renders it (:func:`prepare`), and every rendered piece is then checked line
by line (:func:`fix_lines` / :func:`line_fixes`). A left-to-right reply is never touched: it
renders byte for byte as it always did.

In a right-to-left reply:

- each line (a paragraph, a heading, a list item, a source line, a button label) starts
  right to left: with an RLM (U+200F), so a line opening with a digit, "#12" or a Latin
  name still reads from the right;
- in the bot's own text (catalog sentences), each run of left-to-right text — Latin words,
  digits with their punctuation, URLs, /commands, dates such as "25/11/2025", "#12" — is
  wrapped LRI…PDI (U+2066…U+2069), so its punctuation and order do not flip; brackets stay
  paired (a run never holds half of a pair);
- a span holding no right-to-left letter at all (a Latin title, a date, "#12 ") is one
  unit: isolated whole, LRI…PDI; a ``foreign`` span (content: a title, a name, a body from
  the database) is isolated whole FSI…PDI (U+2068), its direction found from its own text,
  so it cannot leak into the bot's sentence;
- explicit embeddings and overrides (LRE, RLE, PDF, LRO, RLO) and isolates already in the
  text are removed first (input cleaning strips them too, but the renderer is safe for
  whatever is stored): a stray U+202E cannot reverse the rest of a line.

Isolates live inside span texts, so they never cross markup: each platform's renderer puts
them inside its tags and counts them like any other character (Telegram's UTF-16 units
included). A cut by a splitter inside an isolate is repaired per part: :func:`line_fixes`
closes what a line left open and reopens (FSI) what it closes without opening; a renderer
keeps :data:`RESERVE` units free in each part for that.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import replace

from handlers.reply import (
    RTL_LANGUAGES,
    BulletList,
    Button,
    Heading,
    Paragraph,
    Reply,
    SourceRef,
    Sources,
    Span,
)

LRI = "\u2066"
RLI = "\u2067"
FSI = "\u2068"
PDI = "\u2069"
RLM = "\u200f"
LRM = "\u200e"
#: isolate initiators
OPENERS = frozenset(LRI + RLI + FSI)
#: explicit embeddings, overrides and their terminator: never let through
EMBEDDINGS = frozenset("\u202a\u202b\u202c\u202d\u202e")
#: every explicit bidi formatting character (what :func:`neutralize` removes)
EXPLICIT = EMBEDDINGS | OPENERS | {PDI}
#: units a renderer keeps free in each part for :func:`line_fixes` after a cut
RESERVE = 6

_RTL_STRONG = frozenset(("R", "AL"))
_LTR = frozenset(("L", "EN"))
#: classes that end a run of left-to-right text
_BREAK = frozenset(("R", "AL", "AN", "B", "S"))
_PAIRS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = {v: k for k, v in _PAIRS.items()}
#: taken into a run when right before it, e.g. "#12", "/lang", "+33", "@name", "-5"
_LEAD_CLASSES = frozenset(("ET", "ES", "CS"))
_LEAD_CHARS = frozenset("#@")
#: taken into a run when right after it, e.g. "50%", "20°"
_TRAIL_CLASSES = frozenset(("ET",))
#: left out of a whole-span isolate at its start (a separator between spans)
_LEADING_SEPARATORS = frozenset("—–-·•|,;:")


def is_rtl(language: str | None) -> bool:
    return language in RTL_LANGUAGES


def neutralize(text: str) -> str:
    """``text`` without explicit bidi formatting characters (embeddings, overrides,
    isolates): the only isolates in a rendered reply are the renderer's own."""
    if not any(c in EXPLICIT for c in text):
        return text
    return "".join(c for c in text if c not in EXPLICIT)


def _has_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in _RTL_STRONG for c in text)


def _has_ltr(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in _LTR for c in text)


def _balanced_ranges(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) split so that no range holds half of a bracket pair: a closer right
    after the range is taken in when it closes an opener inside; a bracket left unpaired
    splits the range (it stays outside every isolate)."""
    stack: list[int] = []
    unpaired: list[int] = []
    for k in range(start, end):
        c = text[k]
        if c in _PAIRS:
            stack.append(k)
        elif c in _CLOSERS:
            if stack and text[stack[-1]] == _CLOSERS[c]:
                stack.pop()
            else:
                unpaired.append(k)
    k = end
    while stack and k < len(text) and unicodedata.bidirectional(text[k]) not in _BREAK:
        c = text[k]
        if c in _CLOSERS:
            if text[stack[-1]] != _CLOSERS[c]:
                break
            stack.pop()
            end = k + 1
        elif unicodedata.bidirectional(c) in _LTR or c in _PAIRS:
            break
        k += 1
    unpaired.extend(stack)
    if not unpaired:
        return [(start, end)]
    ranges: list[tuple[int, int]] = []
    cuts = sorted(unpaired)
    lo = start
    for cut in [*cuts, end]:
        ranges.extend(_core(text, lo, min(cut, end)))
        lo = cut + 1
    return ranges


def _core(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """The part of [lo, hi) from its first to its last left-to-right character, if any."""
    idx = [k for k in range(lo, hi) if unicodedata.bidirectional(text[k]) in _LTR]
    if not idx:
        return []
    return _balanced_ranges(text, idx[0], idx[-1] + 1)


def ltr_runs(text: str) -> list[tuple[int, int]]:
    """The runs of left-to-right text in ``text`` as [start, end) code point ranges: from a
    Latin letter or a digit to the last one before a right-to-left letter, an Arabic digit or
    a line break, neutrals between them included; with the ``#``, ``/``, ``+``, ``@`` right
    before and the ``%`` right after; never half of a bracket pair."""
    runs: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        if unicodedata.bidirectional(text[i]) not in _LTR:
            i += 1
            continue
        last = i
        j = i
        while j < n and unicodedata.bidirectional(text[j]) not in _BREAK:
            if unicodedata.bidirectional(text[j]) in _LTR:
                last = j
            j += 1
        for start, end in _balanced_ranges(text, i, last + 1):
            while start > 0 and (text[start - 1] in _LEAD_CHARS or unicodedata.bidirectional(
                    text[start - 1]) in _LEAD_CLASSES) and not (runs and runs[-1][1] >= start):
                start -= 1
            while end < n and unicodedata.bidirectional(text[end]) in _TRAIL_CLASSES:
                end += 1
            runs.append((start, end))
        i = max(last + 1, runs[-1][1] if runs else 0)
    return runs


def isolate_runs(text: str) -> str:
    """Each left-to-right run of ``text`` (:func:`ltr_runs`) wrapped LRI…PDI."""
    out: list[str] = []
    pos = 0
    for start, end in ltr_runs(text):
        out.append(text[pos:start])
        out.append(LRI + text[start:end] + PDI)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def isolate_whole(text: str, opener: str = FSI) -> str:
    """``text`` as one isolate (whitespace at its ends, and separators such as " — " at its
    start, left outside); the bot's own runs inside a right-to-left text isolated too."""
    lead = len(text) - len(text.lstrip())
    while lead < len(text) and (text[lead] in _LEADING_SEPARATORS or text[lead].isspace()):
        lead += 1
    end = len(text.rstrip())
    if end <= lead:
        return text
    core = text[lead:end]
    if _has_rtl(core):
        core = isolate_runs(core)
    return text[:lead] + opener + core + PDI + text[end:]


def isolate(text: str, *, foreign: bool = False) -> str:
    """``text`` ready for a right-to-left line. Content (``foreign``) is isolated whole
    (FSI…PDI); the bot's own text has its left-to-right runs isolated (LRI…PDI), or is
    isolated whole (LRI…PDI) when it holds no right-to-left letter (a Latin title, "#12 ",
    " (25/11/2025)"). Bidi controls already in ``text`` are removed first."""
    text = neutralize(text)
    if not text.strip():
        return text
    if foreign:
        return isolate_whole(text, FSI)
    if not _has_ltr(text):
        return text
    if not _has_rtl(text):
        return isolate_whole(text, LRI)
    return isolate_runs(text)


def _span(span: Span) -> Span:
    return replace(span, text=isolate(span.text, foreign=span.foreign))


def _block(block: Heading | Paragraph | BulletList | Sources
           ) -> Heading | Paragraph | BulletList | Sources:
    if isinstance(block, Heading):
        return replace(block, text=isolate(block.text))
    if isinstance(block, Paragraph):
        return replace(block, spans=tuple(_span(s) for s in block.spans))
    if isinstance(block, BulletList):
        return replace(block, items=tuple(tuple(_span(s) for s in item) for item in block.items))
    return replace(block, label=isolate(block.label), refs=tuple(
        SourceRef(isolate(r.name, foreign=True), r.url,
                  isolate(r.date) if r.date else r.date) for r in block.refs))


def _button(button: Button) -> Button:
    return replace(button, label=isolate(button.label))


def prepare(reply: Reply) -> Reply:
    """The reply with its texts ready for right-to-left lines (:func:`isolate`); a
    left-to-right reply is returned as it is."""
    if reply.direction != "rtl":
        return reply
    return replace(
        reply,
        blocks=tuple(_block(b) for b in reply.blocks),
        buttons=tuple(_button(b) for b in reply.buttons),
        title=isolate(reply.title) if reply.title else reply.title,
    )


def mark(marker: str) -> str:
    """A list marker ("1. ", "• ") for a right-to-left line: its number isolated (it reads
    as the number, then the dot, from the right)."""
    return isolate_runs(marker)


def line_fixes(text: str) -> list[tuple[int, str]]:
    """:func:`repair`'s insertions for a text on its own."""
    return repair(text)[0]


def repair(text: str, carry: Sequence[str] = ()) -> tuple[list[tuple[int, str]], list[str]]:
    """Insertions (code point index, text; in order) that make each non-blank line of
    ``text`` a right-to-left paragraph with balanced isolates: an RLM at its start (unless it
    starts with one, or with RLI), an FSI for each PDI it closes without opening, a PDI at
    its end for each isolate it leaves open, reopened at the start of the next line (a text
    wrapped or cut inside an isolate stays isolated on every line). An insertion at a line's
    end is at the index right after its last character.

    ``carry``: the isolates open at the end of the part before (a message cut from the same
    text), reopened on the first line; returned with the insertions: those open at the end
    of ``text``, for the next part."""
    fixes: list[tuple[int, str]] = []
    pos = 0
    carry = list(carry)
    for line in text.split("\n"):
        if line.strip():
            stack = list(carry)
            missing = 0
            for c in line:
                if c in OPENERS:
                    stack.append(c)
                elif c == PDI:
                    if stack:
                        stack.pop()
                    else:
                        missing += 1
            head = FSI * missing + "".join(carry)
            if (head or line)[0] not in (RLM, RLI):
                head = RLM + head
            if head:
                fixes.append((pos, head))
            if stack:
                fixes.append((pos + len(line), PDI * len(stack)))
            carry = stack
        pos += len(line) + 1
    return fixes, carry


def apply_fixes(text: str, fixes: list[tuple[int, str]]) -> str:
    out: list[str] = []
    at = 0
    for pos, insert in fixes:
        out.append(text[at:pos])
        out.append(insert)
        at = pos
    out.append(text[at:])
    return "".join(out)


def fix_lines(text: str) -> str:
    """``text`` with :func:`line_fixes` applied: every non-blank line starts right to left
    and balances its isolates."""
    return apply_fixes(text, line_fixes(text))


def fix_parts(texts: Iterable[str]) -> list[str]:
    """The parts of one text cut into messages, each repaired (:func:`repair`), isolates cut
    by a cut reopened in the next part."""
    out: list[str] = []
    carry: list[str] = []
    for text in texts:
        fixes, carry = repair(text, carry)
        out.append(apply_fixes(text, fixes))
    return out


def label(text: str, width: int | None) -> str:
    """A button label of a right-to-left reply (made by :func:`prepare`): at most
    ``width`` characters, starting right to left, isolates balanced."""
    if width is not None and len(fix_lines(text)) > width:
        text = text[: max(width - RESERVE, 1)]
    return fix_lines(text)
