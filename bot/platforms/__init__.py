"""Platform adapters: translate inbound events to Requests and Replies to API calls, nothing more.

One package per platform (``telegram/``, ``discord/``, ``webhook/``, ``console/``), each exporting its
:class:`~bot.platforms.spec.PlatformSpec` as ``SPEC``; :data:`PLATFORMS` is the one table the
service, the CLI, the configuration, the handlers' platform names (``Deps.platforms``) and
delivery's rate limits iterate. A new platform is a package here plus one line in this table
and one field in ``Settings`` (bot/config.py checks that every spec has its section).

Importing this module is cheap: no platform library is imported until a component is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.platforms import console, discord, telegram, webhook
from bot.platforms.spec import Capabilities, PlatformSpec, RateLimits

if TYPE_CHECKING:
    from bot.config import Settings

#: every platform, by name, in the order they are started
PLATFORMS: dict[str, PlatformSpec] = {
    spec.name: spec for spec in (telegram.SPEC, discord.SPEC, webhook.SPEC, console.SPEC)
}


def enabled(settings: Settings) -> list[PlatformSpec]:
    """The platforms the service runs (each with its token set), in table order."""
    return [spec for spec in PLATFORMS.values() if spec.enabled(settings)]


def reachable_owners(settings: Settings) -> list[tuple[str, str]]:
    """(platform, owner id) of every platform where the process can write to its owners on
    its own (``Capabilities.owners_reachable``); the rows queued for them are sent by
    whichever process runs that platform."""
    return [(spec.name, owner) for spec in PLATFORMS.values()
            if spec.capabilities.owners_reachable for owner in sorted(spec.owners(settings))]


def rate_limits(settings: Settings) -> dict[str, RateLimits]:
    """Each platform's sending limits for the outbox worker; a platform absent from the
    mapping (the console) has none. Telegram's come from ``[delivery]``, Discord's from its
    spec (``[discord] global_per_second`` / ``channel_per_second``)."""
    found: dict[str, RateLimits] = {}
    for name, spec in PLATFORMS.items():
        limits = spec.rate_limits(settings)
        if limits is not None:
            found[name] = limits
    return found


def secrets(settings: Settings) -> list[str]:
    """Every platform's secrets (tokens, webhook secrets), for log redaction."""
    return [s for spec in PLATFORMS.values() for s in spec.secrets(settings)]


__all__ = ["PLATFORMS", "Capabilities", "PlatformSpec", "RateLimits", "enabled", "rate_limits",
           "reachable_owners", "secrets"]
