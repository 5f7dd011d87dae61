"""What a platform is, to the process: one :class:`PlatformSpec` per platform package.

Service, CLI, configuration, delivery and the handlers' platform names all read the table of
specs (``bot.platforms.PLATFORMS``) instead of naming the platforms one by one. A spec is
cheap to import: its builders import the platform's library (PTB, discord.py) only when
called.

The defaults read the platform's configuration section (``Settings.<config_section>``): it is
enabled when it has a ``token``, its owners are its ``owners`` list, and its secrets (for log
redaction) are every ``SecretStr`` it holds. A spec overrides what differs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, SecretStr

if TYPE_CHECKING:
    from bot.app import App
    from bot.config import DeliverySection, Settings
    from bot.platforms.base import Component


@dataclass(frozen=True)
class Capabilities:
    """What the platform can show and do; ``max_text``: one message's text limit (None: none);
    ``inbound``: users talk to the bot there (False: push-only, like outgoing webhooks);
    ``owners_reachable``: an owner's user id is also their private chat there (Telegram), so
    the process can write to the owners on its own (bot/ops.py, bot/owner_alerts.py)."""

    edit: bool
    threads: bool
    buttons: bool
    embeds: bool
    max_text: int | None
    inbound: bool = True
    owners_reachable: bool = False


@dataclass(frozen=True)
class RateLimits:
    """A platform's sending limits, for the outbox worker (bot/ratelimit.py ``Limits``).

    ``paid_global_per_second``: the overall limit of paid broadcasts (Telegram Stars), used
    instead of ``global_per_second`` when ``paid_broadcast``; None where there are none.
    ``reserve_per_second`` of the overall limit is kept free for command replies.
    """

    global_per_second: float
    private_per_second: float
    group_per_minute: float
    paid_global_per_second: float | None = None
    paid_broadcast: bool = False
    reserve_per_second: float = 0.0

    @property
    def overall_per_second(self) -> float:
        """What broadcasts may use overall: the (paid) global limit less the reserve, >= 1."""
        rate = self.global_per_second
        if self.paid_broadcast and self.paid_global_per_second is not None:
            rate = self.paid_global_per_second
        return max(1.0, rate - self.reserve_per_second)

    @property
    def windows(self) -> tuple[float, float, float]:
        """What the outbox worker's windows take: (overall/s, private chat/s, group/min)."""
        return self.overall_per_second, self.private_per_second, self.group_per_minute

    @classmethod
    def of_delivery(cls, d: DeliverySection) -> RateLimits:
        """From the ``[delivery]`` keys (a ``DeliverySection``): Telegram's limits, paid
        broadcasts and the reserve for replies."""
        return cls(global_per_second=d.global_per_second,
                   paid_global_per_second=d.paid_global_per_second,
                   private_per_second=d.private_per_second, group_per_minute=d.group_per_minute,
                   paid_broadcast=d.paid_broadcast, reserve_per_second=d.reserve_per_second)


def _token_set(section: Any) -> bool:
    return getattr(section, "token", None) is not None


@dataclass(frozen=True)
class PlatformSpec:
    """One platform, as the process sees it.

    ``build_front_end(app)``: the component that serves commands (and registers the sender);
    ``build_sender_only(app)``: the sender without a front end (``python -m bot deliver``),
    None when the platform has none. ``limits``: the default rate limits (None: unlimited);
    ``limits_from(settings)`` overrides them from the configuration. ``is_enabled``,
    ``owners_of``, ``secrets_of`` override the section-based defaults. ``fallback``: the
    platform used only when no other one is enabled (the console).
    """

    name: str
    #: what the platform is called in messages to people ("Telegram")
    label: str
    #: the attribute of ``Settings`` holding the platform's section, and its model class
    config_section: str
    config_model: type[BaseModel]
    capabilities: Capabilities
    build_front_end: Callable[[App], Component]
    build_sender_only: Callable[[App], Component] | None = None
    limits: RateLimits | None = None
    limits_from: Callable[[Settings], RateLimits | None] | None = None
    is_enabled: Callable[[Settings], bool] | None = None
    owners_of: Callable[[Settings], frozenset[str]] | None = None
    secrets_of: Callable[[Settings], list[str]] | None = None
    fallback: bool = False

    def section(self, settings: Settings) -> Any:
        return getattr(settings, self.config_section)

    def enabled(self, settings: Settings) -> bool:
        """Whether the service starts it (default: its section has a token)."""
        if self.is_enabled is not None:
            return self.is_enabled(settings)
        return not self.fallback and _token_set(self.section(settings))

    def owners(self, settings: Settings) -> frozenset[str]:
        if self.owners_of is not None:
            return self.owners_of(settings)
        return frozenset(getattr(self.section(settings), "owners", ()))

    def secrets(self, settings: Settings) -> list[str]:
        """What the logs must never show: every SecretStr value of its section."""
        if self.secrets_of is not None:
            return self.secrets_of(settings)
        section = self.section(settings)
        values = (getattr(section, name) for name in type(section).model_fields)
        return [v.get_secret_value() for v in values
                if isinstance(v, SecretStr) and v.get_secret_value()]

    def rate_limits(self, settings: Settings) -> RateLimits | None:
        if self.limits_from is not None:
            return self.limits_from(settings)
        return self.limits

    def front_end(self, app: App) -> Component:
        return self.build_front_end(app)

    def sender_only(self, app: App) -> Component | None:
        return self.build_sender_only(app) if self.build_sender_only is not None else None
