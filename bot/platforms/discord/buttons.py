"""Discord buttons: a Reply's Button becomes a component whose custom_id re-runs the command.

The custom_id (≤ 100 chars) is ``nb:<command>:<page>:=<args>``. Arguments too long to fit are
referenced as ``~<token>``, a key derived from the payload that the codec's
:class:`bot.button_store.ButtonStore` keeps in the database, so a restart or another replica
answers it; an expired, unknown or forged custom_id is answered politely (ephemeral). Buttons are
``DynamicItem``s matched by a template, so discord.py keeps no per-message state for them and
they keep working across restarts.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.button_store import ButtonStore, button_token
from bot.render import bidi
from handlers.catalog import CATALOG
from handlers.i18n import normalize_language, t
from handlers.reply import Button

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # discord.py imports audioop (voice)
    import discord

CUSTOM_ID_MAX = 100
LABEL_MAX = 80
BUTTONS_MAX = 25
TEMPLATE = r"nb:(?P<command>[a-z0-9_-]{1,32}):(?P<page>[0-9]{1,6}):(?P<args>[=~].*)"
_PATTERN = re.compile(TEMPLATE)

def stale_text(locale: str | None) -> str:
    """What a button the bot can no longer read answers, in the user's language."""
    return t("button.stale", normalize_language(locale) or CATALOG.default_language)


@dataclass(frozen=True)
class Press:
    """What a button asks for."""

    command: str
    page: int
    args: str


class ButtonCodec:
    """Encodes buttons into custom_ids and back; long arguments become tokens in ``store``.

    ``encode`` is pure (no I/O); a caller sending buttons first awaits :meth:`keep`.
    """

    def __init__(self, store: ButtonStore | None = None) -> None:
        self.store = store if store is not None else ButtonStore()

    @staticmethod
    def _head(button: Button) -> str:
        return f"nb:{button.command}:{max(1, button.page)}:"

    def _token(self, button: Button) -> str | None:
        """None when the arguments fit in the custom_id itself."""
        if len(f"{self._head(button)}={button.args}") <= CUSTOM_ID_MAX and "\n" not in button.args:
            return None
        return button_token(button.command, max(1, button.page), button.args)

    def encode(self, button: Button) -> str:
        token = self._token(button)
        return self._head(button) + (f"={button.args}" if token is None else f"~{token}")

    async def keep(self, buttons: Iterable[Button]) -> None:
        """Store the payloads of the buttons that are sent as a token."""
        await self.store.keep([(t, (b.command, max(1, b.page), b.args)) for b in buttons
                               if (t := self._token(b)) is not None])

    async def decode(self, custom_id: str) -> Press | None:
        """The press, or None for a stale or forged custom_id."""
        m = _PATTERN.fullmatch(custom_id)
        if m is None:
            return None
        raw = m["args"]
        if raw.startswith("="):
            args = raw[1:]
        else:
            found = await self.store.find(raw[1:]) if len(raw) == 33 else None
            if found is None or found[0] != m["command"]:
                return None
            args = found[2]
        return Press(m["command"], max(1, int(m["page"])), args)


class CommandButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
    """A button that re-runs a command.

    A DynamicItem so discord.py keeps no per-message view state for the many messages that
    carry buttons. Presses are answered by the client's ``on_interaction`` (which also sees
    stale and forged custom_ids, which discord.py drops silently), so the callback is empty.
    """

    def __init__(self, label: str, custom_id: str) -> None:
        super().__init__(discord.ui.Button(
            label=label[:LABEL_MAX] or "…", custom_id=custom_id,
            style=discord.ButtonStyle.secondary,
        ))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> CommandButton:
        label = getattr(item, "label", None) or "…"
        return cls(label, match.string)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        return None


async def build_view(buttons: tuple[Button, ...], codec: ButtonCodec,
                     rtl: bool = False) -> discord.ui.View | None:
    """A view of command buttons (no timeout: they are matched by template, not stored);
    long payloads are stored first, so any process answers them. ``rtl``: the buttons of a
    right-to-left reply (labels isolated, :func:`bot.render.bidi.label`)."""
    if not buttons:
        return None
    await codec.keep(buttons[:BUTTONS_MAX])
    view = discord.ui.View(timeout=None)
    for b in buttons[:BUTTONS_MAX]:
        label = bidi.label(bidi.isolate(b.label), LABEL_MAX) if rtl else b.label
        view.add_item(CommandButton(label, codec.encode(b)))
    return view
