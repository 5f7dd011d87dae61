"""The ``[telegram]`` section (importable without PTB)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator

from bot.sections import Section

#: what Telegram accepts as a webhook ``secret_token`` (setWebhook refuses anything else)
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class TelegramSection(Section):
    token: SecretStr | None = None
    #: a self-hosted Bot API server; PTB appends the token
    base_url: str = "https://api.telegram.org/bot"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_listen: str = "127.0.0.1"
    #: 0 lets the OS choose (tests); the webhook_url must then be left unset
    webhook_port: int = Field(default=8443, ge=0, le=65535)
    webhook_path: str = "telegram"
    webhook_url: str | None = None
    #: required in webhook mode: Telegram sends it in X-Telegram-Bot-Api-Secret-Token, and a
    #: request without it is refused before its body is read
    secret_token: SecretStr | None = Field(default=None, validate_default=True)
    #: connections Telegram may open at once (setWebhook max_connections); our server keeps
    #: a few times more open and closes the longest-idle one when more arrive
    webhook_max_connections: int = Field(default=40, ge=1, le=100)
    #: the largest update accepted (Telegram's are a few kB); larger bodies get 413 unread
    webhook_max_body_bytes: int = Field(default=1_048_576, ge=65_536, le=16 * 1_048_576)
    #: seconds a connection may take to send a whole request, and may stay idle between two
    webhook_timeout_seconds: float = Field(default=10, gt=0, le=300)
    owners: list[str] = Field(default_factory=list)
    #: file downloads of a self-hosted Bot API server; derived from base_url when unset
    base_file_url: str | None = None
    #: updates handled at the same time (one chat's updates are always handled in order)
    concurrent_updates: int = Field(default=16, ge=1, le=256)

    @field_validator("secret_token")
    @classmethod
    def _usable_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None:
            if info.data.get("mode") == "webhook":
                raise ValueError(
                    "required when mode = \"webhook\" (else anybody who finds the URL can post "
                    "updates): 1-256 characters of A-Z a-z 0-9 _ -"
                )
            return None
        if not WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("expected 1-256 characters of A-Z a-z 0-9 _ - (what Telegram accepts)")
        return value
