"""Discord rendering: a Reply becomes messages of embeds (or plain content), escaped and split.

Every text span is escaped (``discord.utils.escape_markdown`` + ``escape_mentions``), so
content from admins or feeds cannot format, mask links or ping anyone; messages are also sent
with ``allowed_mentions=none`` as a second lock. Replies are split on block boundaries to
Discord's limits: content ≤ 2000 chars; an embed's title ≤ 256 and description ≤ 4096; ≤ 10
embeds and ≤ 6000 chars of embed text per message. The walk over the blocks and the splitter
are shared (bot/render/blocks.py): a block longer than a whole description is cut on
paragraphs, lines, then words.

A reply in a right-to-left language (Arabic) is prepared by :func:`bot.render.bidi.prepare`
(isolates inside each span's text, so inside its markdown) and every block and every chunk is
repaired line by line (:func:`bot.render.bidi.fix_lines`: an RLM at each line's start,
isolates balanced after a cut), each chunk keeping :data:`bot.render.bidi.RESERVE` characters
free for it, so the limits above hold with the isolates. A bare URL is shown ``<url>``
between isolates there (Discord's link detection would take a PDI after it into the link).
Left-to-right replies are rendered exactly as before.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

from bot.render import bidi
from bot.render.blocks import BlockRenderer, TextPieces, is_rtl, pack, split_long
from handlers.reply import BulletList, Heading, Paragraph, Reply, Sources, Span

with warnings.catch_warnings():
    # discord.py imports the deprecated stdlib `audioop` (voice), irrelevant here
    warnings.simplefilter("ignore", DeprecationWarning)
    import discord

CONTENT_MAX = 2000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
COLOR = 0x1F5FA8  # INTERPOL blue
NO_MENTIONS = discord.AllowedMentions.none()

_SAFE_URL = re.compile(r"https?://[^\s<>()\[\]]+\Z")


@dataclass
class DiscordMessage:
    """One message to send: plain ``content`` or ``embeds`` (never both)."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)

    def size(self) -> int:
        return len(self.content or "") + sum(len(e) for e in self.embeds)


def no_mentions(text: str) -> str:
    """@everyone/@here and <@id>, <@&id>, <#id> shown as text, whatever the id's length."""
    text = discord.utils.escape_mentions(text)
    return text.replace("<@", "<@\u200b").replace("<#", "<#\u200b").replace("@\u200b\u200b", "@\u200b")


def escape(text: str) -> str:
    return no_mentions(discord.utils.escape_markdown(text))


def _span(s: Span, rtl: bool = False) -> str:
    if rtl and s.url and not s.code and _SAFE_URL.match(s.url) and bidi.neutralize(s.text) == s.url:
        return f"{bidi.LRI}<{s.url}>{bidi.PDI}"
    if not s.text:
        return ""
    core = s.text.replace("`", "ˋ") if s.code else escape(s.text)
    lead = core[: len(core) - len(core.lstrip())]
    trail = core[len(core.rstrip()):]
    core = core.strip()
    if s.code:
        return f"{lead}`{no_mentions(core)}`{trail}" if core else lead + trail
    if core and s.bold:
        core = f"**{core}**"
    if core and s.italic:
        core = f"*{core}*"
    if core and s.url and _SAFE_URL.match(s.url):
        core = f"[{core}]({s.url})" if s.url != s.text else s.url
    return lead + core + trail


def _spans(spans: tuple[Span, ...], rtl: bool = False) -> str:
    return "".join(_span(s, rtl) for s in spans)


class _MarkdownBlocks(BlockRenderer[str]):
    """Each block as Discord markdown, every text span escaped."""

    def heading(self, block: Heading) -> str | None:
        return f"**{escape(block.text)}**" if block.text.strip() else None

    def paragraph(self, block: Paragraph) -> str:
        return _spans(block.spans, self.rtl)

    def bullets(self, block: BulletList) -> str:
        # "1." escaped, or Discord renders its own numbered list
        return "\n".join(self.items(
            block, lambda mark, spans: mark.replace(". ", "\\. ") + _spans(spans, self.rtl)))

    def sources(self, block: Sources) -> str:
        refs = []
        for r in block.refs:
            name = escape(r.name)
            if r.url and _SAFE_URL.match(r.url):
                name = f"[{name}]({r.url})"
            refs.append(name + (f" ({escape(r.date)})" if r.date else ""))
        return f"*{escape(block.label)}* " + " · ".join(refs)


_BLOCKS = _MarkdownBlocks()
_RTL_BLOCKS = _MarkdownBlocks(rtl=True)
#: plain text cut on the shared rules; an escaping backslash stays with what it escapes
TEXT = TextPieces(keep_after="\\")


def block_texts(reply: Reply, title: str | None = None) -> list[str]:
    """Each block as Discord markdown; the heading used as the embed ``title`` is left out.
    A right-to-left reply comes prepared (:func:`bidi.prepare`); its blocks' lines are fixed."""
    blocks = list(reply.blocks)
    if title is not None:
        at = next((n for n, b in enumerate(blocks)
                   if isinstance(b, Heading) and b.text == title), None)
        if at is not None:
            del blocks[at]
    if is_rtl(reply):
        return [bidi.fix_lines(t) for t in _RTL_BLOCKS.blocks(blocks) if t.strip()]
    return [t for t in _BLOCKS.blocks(blocks) if t.strip()]


def cut(text: str, limit: int) -> list[str]:
    """Pieces of ``text`` no longer than ``limit`` (the shared splitter's rules)."""
    if len(text) <= limit:
        return [text]
    return split_long(text, limit, TEXT)


def _pack(texts: list[str], limit: int) -> list[str]:
    """Join block texts with blank lines into as few chunks ≤ ``limit`` as possible."""
    return pack(texts, limit, TEXT)


def _chunks(texts: list[str], limit: int, rtl: bool) -> list[str]:
    if not rtl:
        return _pack(texts, limit)
    return bidi.fix_parts(_pack(texts, limit - bidi.RESERVE))


def render(reply: Reply) -> list[DiscordMessage]:
    """The messages for ``reply``: plain content for short untitled replies, else embeds."""
    rtl = is_rtl(reply)
    reply = bidi.prepare(reply)
    title = reply.title or next((b.text for b in reply.blocks if isinstance(b, Heading)), None)
    if title is None or reply.is_error:
        chunks = _chunks(block_texts(reply), CONTENT_MAX, rtl)
        return [DiscordMessage(content=c) for c in chunks] or [DiscordMessage(content="…")]
    reply_title = cut(escape(title), TITLE_MAX - 1 - (bidi.RESERVE if rtl else 0))[0]
    if len(reply_title) < len(escape(title)):
        reply_title += "…"
    if rtl:
        reply_title = bidi.fix_lines(reply_title)
    descriptions = _chunks(block_texts(reply, title), DESCRIPTION_MAX, rtl)
    messages: list[DiscordMessage] = []
    current = DiscordMessage()
    for n, text in enumerate(descriptions or [""]):
        embed = discord.Embed(
            title=reply_title if n == 0 else None,
            description=text or None,
            color=COLOR,
        )
        if current.embeds and (
            len(current.embeds) >= EMBEDS_MAX or current.size() + len(embed) > EMBED_TOTAL_MAX
        ):
            messages.append(current)
            current = DiscordMessage()
        current.embeds.append(embed)
    messages.append(current)
    return messages
