"""Outgoing webhooks: digests, alerts, corrections and withdrawals as signed JSON POSTs.

A push-only platform: each ``[[webhooks]]`` endpoint is a chat of platform "webhook" whose
subscription the configuration states (``frontend`` syncs them at start); the outbox sends
to it like to any chat — retries, backoff, dead letters, rate limits, the row's key as the
idempotency key (``send``: Standard Webhooks headers and signature). ``config``: the
endpoints' settings, importable without aiohttp.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.platforms.spec import Capabilities, PlatformSpec, RateLimits
from bot.platforms.webhook.config import WebhookEndpoint

if TYPE_CHECKING:
    from bot.app import App
    from bot.config import Settings
    from bot.platforms.base import Component

#: what one receiver is asked to take: 10 posts a second; 50 a second over all endpoints
LIMITS = RateLimits(global_per_second=50, private_per_second=10, group_per_minute=600)


def _front_end(app: App) -> Component:
    from bot.platforms.webhook.frontend import WebhookPlatform

    return WebhookPlatform(app)


def _secrets(settings: Settings) -> list[str]:
    return [s.get_secret_value() for e in settings.webhooks
            for s in (e.secret, e.previous_secret) if s is not None]


SPEC = PlatformSpec(
    name="webhook",
    label="Webhooks",
    config_section="webhooks",
    config_model=WebhookEndpoint,
    capabilities=Capabilities(edit=False, threads=False, buttons=False, embeds=False,
                              max_text=None, inbound=False),
    build_front_end=_front_end,
    build_sender_only=_front_end,  # nothing comes in: the same component either way
    limits=LIMITS,
    is_enabled=lambda settings: bool(settings.webhooks),
    owners_of=lambda settings: frozenset(),
    secrets_of=_secrets,
)

__all__ = ["LIMITS", "SPEC", "WebhookEndpoint"]
