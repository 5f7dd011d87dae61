"""Discord buttons: a Reply's Button becomes a component whose custom_id re-runs the command.

The custom_id (≤ 100 chars) is ``nb:<command>:<page>:=<args>``. Arguments too long to fit are
kept in a small in-process table and referenced as ``~<key>``; after a restart such a button
is stale and answered politely (ephemeral), like any custom_id we cannot read. Buttons are
``DynamicItem``s matched by a template, so discord.py keeps no per-message state for them and
they keep working across restarts.
"""

from __future__ import annotations

import re
import secrets
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from handlers.i18n import normalize_language
from handlers.reply import Button

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # discord.py imports audioop (voice)
    import discord

CUSTOM_ID_MAX = 100
LABEL_MAX = 80
BUTTONS_MAX = 25
TEMPLATE = r"nb:(?P<command>[a-z0-9_-]{1,32}):(?P<page>[0-9]{1,6}):(?P<args>[=~].*)"
_PATTERN = re.compile(TEMPLATE)
_LONG_ARGS_KEPT = 2048

STALE = {
    "fr": "Ce bouton n’est plus valide : relancez la commande.",
    "en": "This button is no longer valid: please run the command again.",
}


def stale_text(locale: str | None) -> str:
    return STALE[normalize_language(locale) or "fr"]


@dataclass(frozen=True)
class Press:
    """What a button asks for."""

    command: str
    page: int
    args: str


class ButtonCodec:
    """Encodes buttons into custom_ids and back; long arguments live in a bounded table."""

    def __init__(self, kept: int = _LONG_ARGS_KEPT) -> None:
        self._kept = kept
        self._long: OrderedDict[str, str] = OrderedDict()

    def encode(self, button: Button) -> str:
        head = f"nb:{button.command}:{max(1, button.page)}:"
        custom_id = f"{head}={button.args}"
        if len(custom_id) <= CUSTOM_ID_MAX and "\n" not in button.args:
            return custom_id
        key = secrets.token_urlsafe(12)
        self._long[key] = button.args
        while len(self._long) > self._kept:
            self._long.popitem(last=False)
        return f"{head}~{key}"

    def decode(self, custom_id: str) -> Press | None:
        """The press, or None for a stale or forged custom_id."""
        m = _PATTERN.fullmatch(custom_id)
        if m is None:
            return None
        raw = m["args"]
        if raw.startswith("="):
            args = raw[1:]
        else:
            found = self._long.get(raw[1:])
            if found is None:
                return None
            args = found
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


def build_view(buttons: tuple[Button, ...], codec: ButtonCodec) -> discord.ui.View | None:
    """A view of command buttons (no timeout: they are matched by template, not stored)."""
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for b in buttons[:BUTTONS_MAX]:
        view.add_item(CommandButton(b.label, codec.encode(b)))
    return view
