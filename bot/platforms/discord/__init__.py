"""Discord: a discord.py client in our event loop (``frontend``), slash commands
(``commands``), buttons (``buttons``), sends (``send``) and the embed renderer (``render``).

Importing this package is cheap: discord.py is imported when a component is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.platforms.discord.config import DiscordSection
from bot.platforms.spec import Capabilities, PlatformSpec, RateLimits

if TYPE_CHECKING:
    from bot.app import App
    from bot.config import Settings
    from bot.platforms.base import Component

#: Discord's limits: 50 requests/s overall; 5 messages per 5 s in one channel (a DM too)
LIMITS = RateLimits(global_per_second=50, private_per_second=1, group_per_minute=60)


def _front_end(app: App) -> Component:
    from bot.platforms.discord.frontend import DiscordPlatform

    return DiscordPlatform(app)


def _sender_only(app: App) -> Component:
    from bot.platforms.discord.frontend import DiscordSenderComponent

    return DiscordSenderComponent(app)


def _limits(settings: Settings) -> RateLimits:
    """Discord's own, or ``[discord] global_per_second`` / ``channel_per_second``."""
    d = settings.discord
    return RateLimits(global_per_second=d.global_per_second,
                      private_per_second=d.channel_per_second,
                      group_per_minute=d.channel_per_second * 60)


SPEC = PlatformSpec(
    name="discord",
    label="Discord",
    config_section="discord",
    config_model=DiscordSection,
    capabilities=Capabilities(edit=True, threads=False, buttons=True, embeds=True,
                              max_text=2000),
    build_front_end=_front_end,
    build_sender_only=_sender_only,
    limits=LIMITS,
    limits_from=_limits,
)

__all__ = ["LIMITS", "SPEC", "DiscordSection"]
