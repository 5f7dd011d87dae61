"""The ``[discord]`` section (importable without discord.py)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from bot.sections import Section


class DiscordSection(Section):
    token: SecretStr | None = None
    guild_ids: list[int] = Field(default_factory=list)
    owners: list[str] = Field(default_factory=list)
    #: seconds before a slow command is deferred (Discord wants an answer within 3 s)
    defer_after: float = Field(default=2.0, gt=0, lt=3)
    #: 429s asking to wait longer than this are not waited out by discord.py (minimum 30)
    max_ratelimit_timeout: float = Field(default=30.0, ge=30)
    #: another REST base, e.g. a self-hosted rate-limit proxy such as nirn-proxy
    #: ("http://proxy:8080/api/v10"); unset: Discord's own
    api_base: str | None = None
    #: another gateway ("wss://…"); unset: Discord's own
    gateway_url: str | None = None

    @field_validator("api_base")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("expected an http:// or https:// URL")
        return value.rstrip("/") if value else value

    @field_validator("gateway_url")
    @classmethod
    def _ws_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("wss://", "ws://")):
            raise ValueError("expected a ws:// or wss:// URL")
        return value
    #: the outbox worker's pace on Discord: requests per second over all channels
    #: (Discord's global limit: 50/s) and messages per second to one channel (Discord
    #: allows 5 per 5 s in a channel or a DM)
    global_per_second: float = Field(default=50, gt=0, le=50)
    channel_per_second: float = Field(default=1, gt=0, le=5)
