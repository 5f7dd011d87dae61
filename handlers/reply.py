"""Neutral replies: a small structured document, never pre-formatted markup.

Handlers build a :class:`Reply`; each platform has one renderer that escapes and formats it
(Telegram HTML, Discord embeds/markdown, plain text) and splits it to that platform's limits on
block boundaries. Because text spans are plain strings, content from admins or feeds cannot
inject markup. A reply serialises to JSON (``to_dict``/``from_dict``) for the outbox.

A reply knows its ``language`` (set by the dispatcher for a command's answer, by the fan-out
for what it sends a chat); its ``direction`` follows ("rtl" for Arabic), and the renderers
(bot/render/bidi.py) isolate left-to-right runs and content in a right-to-left reply. A span
marked ``foreign`` holds content (a title, a name, a body from the database, a feed, a user):
in a right-to-left reply it is isolated whole, so its own direction cannot leak into the
sentence around it. A left-to-right reply renders exactly as if neither were there.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

#: languages written right to left (a reply in one of them renders right to left)
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})


@dataclass(frozen=True)
class Span:
    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    url: str | None = None
    #: content (database, feed or user text), isolated whole in a right-to-left reply
    foreign: bool = False


def user_text(text: str, **style: Any) -> Span:
    """A span of content (a title, a name, a body): ``Span(text, foreign=True, ...)``."""
    return Span(text, foreign=True, **style)


@dataclass(frozen=True)
class Heading:
    text: str
    kind: Literal["heading"] = "heading"


@dataclass(frozen=True)
class Paragraph:
    spans: tuple[Span, ...]
    kind: Literal["paragraph"] = "paragraph"


@dataclass(frozen=True)
class BulletList:
    items: tuple[tuple[Span, ...], ...]
    numbered: bool = False
    kind: Literal["list"] = "list"


@dataclass(frozen=True)
class SourceRef:
    name: str
    url: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class Sources:
    label: str
    refs: tuple[SourceRef, ...]
    kind: Literal["sources"] = "sources"


Block = Heading | Paragraph | BulletList | Sources


@dataclass(frozen=True)
class Button:
    """A button that runs ``/command args`` (optionally at a page) when pressed."""

    label: str
    command: str
    args: str = ""
    page: int = 1


@dataclass(frozen=True)
class Attachment:
    """A file sent with the reply where the platform can (Telegram: a document; the console
    names it; elsewhere the reply's text alone, which must say where to get it)."""

    filename: str
    mime: str
    data_base64: str

    @property
    def data(self) -> bytes:
        return base64.b64decode(self.data_base64)

    @classmethod
    def of(cls, filename: str, mime: str, data: bytes) -> Attachment:
        return cls(filename, mime, base64.b64encode(data).decode("ascii"))


@dataclass(frozen=True)
class Reply:
    blocks: tuple[Block, ...]
    buttons: tuple[Button, ...] = ()
    is_error: bool = False
    #: a title for platforms that show one (Discord embeds); optional
    title: str | None = None
    #: the language it is written in (None: unknown, rendered left to right)
    language: str | None = None
    #: files sent with it (:class:`Attachment`)
    attachments: tuple[Attachment, ...] = ()

    @property
    def direction(self) -> Literal["ltr", "rtl"]:
        """ "rtl" for a reply in a right-to-left language (:data:`RTL_LANGUAGES`), else "ltr"."""
        return "rtl" if self.language in RTL_LANGUAGES else "ltr"

    def in_language(self, language: str | None) -> Reply:
        """This reply marked as written in ``language``, unless it already says its own
        (a handler answering in another language than the request's, e.g. ``/lang``)."""
        if self.language is not None or language is None:
            return self
        return replace(self, language=language)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; keys at their default (no language, a span not ``foreign``) are left
        out, so a payload of a left-to-right reply is the same as before they existed."""
        data = asdict(self)
        if data["language"] is None:
            del data["language"]
        if not data["attachments"]:
            del data["attachments"]
        for span in _dict_spans(data["blocks"]):
            if not span["foreign"]:
                del span["foreign"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        blocks: list[Block] = []
        for b in data["blocks"]:
            kind = b["kind"]
            if kind == "heading":
                blocks.append(Heading(b["text"]))
            elif kind == "paragraph":
                blocks.append(Paragraph(tuple(Span(**s) for s in b["spans"])))
            elif kind == "list":
                blocks.append(BulletList(
                    tuple(tuple(Span(**s) for s in item) for item in b["items"]),
                    numbered=b.get("numbered", False),
                ))
            elif kind == "sources":
                blocks.append(Sources(b["label"], tuple(SourceRef(**r) for r in b["refs"])))
            else:
                raise ValueError(f"unknown block kind {kind!r}")
        return cls(
            blocks=tuple(blocks),
            buttons=tuple(Button(**x) for x in data.get("buttons", ())),
            is_error=data.get("is_error", False),
            title=data.get("title"),
            language=data.get("language"),
            attachments=tuple(Attachment(**a) for a in data.get("attachments", ())),
        )


def _dict_spans(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for b in blocks:
        if b["kind"] == "paragraph":
            out.extend(b["spans"])
        elif b["kind"] == "list":
            for item in b["items"]:
                out.extend(item)
    return out


def spans(*parts: str | Span) -> tuple[Span, ...]:
    return tuple(p if isinstance(p, Span) else Span(p) for p in parts if p != "")


@dataclass
class ReplyBuilder:
    """Accumulates blocks; keeps handlers short and free of markup."""

    blocks: list[Block] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    title: str | None = None
    attachments: list[Attachment] = field(default_factory=list)

    def heading(self, text: str) -> ReplyBuilder:
        if self.title is None:
            self.title = text
        self.blocks.append(Heading(text))
        return self

    def para(self, *parts: str | Span) -> ReplyBuilder:
        s = spans(*parts)
        if s:
            self.blocks.append(Paragraph(s))
        return self

    def bullets(self, items: Sequence[tuple[Span, ...]], numbered: bool = False) -> ReplyBuilder:
        if items:
            self.blocks.append(BulletList(tuple(items), numbered=numbered))
        return self

    def sources(self, label: str, refs: list[SourceRef]) -> ReplyBuilder:
        unique = tuple(dict.fromkeys(refs))
        if unique:
            self.blocks.append(Sources(label, unique))
        return self

    def button(self, label: str, command: str, args: str = "", page: int = 1) -> ReplyBuilder:
        self.buttons.append(Button(label, command, args, page))
        return self

    def attach(self, filename: str, mime: str, data: bytes) -> ReplyBuilder:
        self.attachments.append(Attachment.of(filename, mime, data))
        return self

    def build(self, *, is_error: bool = False, language: str | None = None) -> Reply:
        return Reply(tuple(self.blocks), tuple(self.buttons), is_error=is_error, title=self.title,
                     language=language, attachments=tuple(self.attachments))


def plain_text(reply: Reply) -> str:
    """All the text of a reply, unformatted: for logs, tests and search of what users saw."""
    out: list[str] = []
    for b in reply.blocks:
        if isinstance(b, Heading):
            out.append(b.text)
        elif isinstance(b, Paragraph):
            out.append("".join(s.text for s in b.spans))
        elif isinstance(b, BulletList):
            out.extend("".join(s.text for s in item) for item in b.items)
        else:
            out.append(b.label + " " + "; ".join(r.name for r in b.refs))
    return "\n".join(out)
