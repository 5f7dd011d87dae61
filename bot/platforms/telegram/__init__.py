"""Telegram: PTB v22 inside our event loop (``frontend``), its updates (``updates``), sends
(``send``), HTTP transport (``http``), per-chat ordering (``order``), webhook server
(``webhook``), HTML renderer (``render``) and the delivery-only sender (``deliver_only``).

Importing this package is cheap: PTB is imported when a component is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.platforms.spec import Capabilities, PlatformSpec, RateLimits
from bot.platforms.telegram.config import TelegramSection

if TYPE_CHECKING:
    from bot.app import App
    from bot.config import Settings
    from bot.platforms.base import Component

#: Telegram's broadcast limits: about 30 messages/s overall (1000/s paid), 1/s to a
#: private chat, 20/min to a group
LIMITS = RateLimits(global_per_second=30, paid_global_per_second=1000, private_per_second=1,
                    group_per_minute=20)


def _front_end(app: App) -> Component:
    from bot.platforms.telegram.frontend import TelegramPlatform

    return TelegramPlatform(app)


def _sender_only(app: App) -> Component:
    from bot.platforms.telegram.deliver_only import TelegramSenderComponent

    return TelegramSenderComponent(app)


def _limits(settings: Settings) -> RateLimits:
    """From the ``[delivery]`` keys, which describe Telegram's limits (and paid broadcasts)."""
    return RateLimits.of_delivery(settings.delivery)


SPEC = PlatformSpec(
    name="telegram",
    label="Telegram",
    config_section="telegram",
    config_model=TelegramSection,
    capabilities=Capabilities(edit=True, threads=True, buttons=True, embeds=False,
                              max_text=4096, owners_reachable=True),
    build_front_end=_front_end,
    build_sender_only=_sender_only,
    limits=LIMITS,
    limits_from=_limits,
)

__all__ = ["LIMITS", "SPEC", "TelegramSection"]
