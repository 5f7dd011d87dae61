"""The console chat: a REPL in the terminal and ``ask`` (``frontend``), plain-text renderer
(``render``). Used only when no other platform is enabled (``fallback``); no rate limits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.platforms.console.config import ConsoleSection
from bot.platforms.spec import Capabilities, PlatformSpec

if TYPE_CHECKING:
    from bot.app import App
    from bot.platforms.base import Component


def _front_end(app: App) -> Component:
    from bot.platforms.console.frontend import ConsoleChat

    return ConsoleChat(app)


SPEC = PlatformSpec(
    name="console",
    label="Console",
    config_section="console",
    config_model=ConsoleSection,
    capabilities=Capabilities(edit=False, threads=False, buttons=True, embeds=False,
                              max_text=None),
    build_front_end=_front_end,
    fallback=True,
)

__all__ = ["SPEC", "ConsoleSection"]
