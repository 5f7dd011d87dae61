"""`[[webhooks]]`: the endpoints that receive the news as signed JSON POSTs.

Each table is one receiver (a newsroom's CMS, a chat bridge, an archive)::

    [[webhooks]]
    name = "newsroom"                 # stable: the chat this endpoint is in the database
    url = "https://cms.example.org/hooks/interpol"
    secret = "whsec_…"                # 24-64 random bytes, base64 (config.example.toml)
    topics = ["cybercrime"]           # none: every topic
    kinds = ["alert", "digest", "correction", "withdrawal", "restoration", "broadcast"]
    language = "en"
    digest_time = "08:00"             # with "digest" in kinds, in the endpoint's time zone

Imported without aiohttp: the configuration reads it before any platform starts.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from typing import Literal, get_args
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from handlers.i18n import Language

#: what a delivery can be; the receiver reads it as the JSON body's ``type``
Kind = Literal["alert", "digest", "correction", "withdrawal", "restoration", "broadcast"]
KINDS: tuple[str, ...] = get_args(Kind)
NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
SECRET_PREFIX = "whsec_"
#: Standard Webhooks: a secret of 24 to 64 random bytes, base64 after the prefix
SECRET_BYTES = (24, 64)


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_<base64>`` secret; ValueError when it is not one."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"expected a secret starting with {SECRET_PREFIX!r}")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX):], validate=True)
    except binascii.Error:
        raise ValueError("the part after whsec_ is not base64") from None
    low, high = SECRET_BYTES
    if not low <= len(key) <= high:
        raise ValueError(f"expected {low} to {high} random bytes after whsec_, got {len(key)}")
    return key


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class WebhookEndpoint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    url: str
    secret: SecretStr
    #: while receivers move to a new ``secret``: each post is signed with this one too (the
    #: signature header then holds two, and a receiver checking either accepts it)
    previous_secret: SecretStr | None = None
    #: the topics whose alerts and digests go to this endpoint (none: every topic)
    topics: list[str] = Field(default_factory=list)
    kinds: list[Kind] = Field(default_factory=lambda: list(get_args(Kind)))
    language: Language = "fr"
    #: with "digest" in kinds: when the daily digest is sent, in ``timezone``
    digest_time: str = "08:00"
    #: None: the event's time zone ([bot] timezone)
    timezone: str | None = None
    #: seconds to wait for the receiver's answer; no answer in time is an uncertain send
    #: (retried with the same ``webhook-id``, so the receiver can drop the repeat)
    timeout_seconds: float = Field(10.0, gt=0, le=120)
    #: plain http to a host other than this machine sends the news in clear: refused
    #: unless this says it is meant (signatures still hold)
    allow_http: bool = False

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME.fullmatch(value):
            raise ValueError("expected 1-32 lower-case letters, digits, - or _ (e.g. newsroom)")
        return value

    @field_validator("secret", "previous_secret")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            secret_key(value.get_secret_value())
        return value

    @field_validator("digest_time")
    @classmethod
    def _time(cls, value: str) -> str:
        if not TIME.fullmatch(value):
            raise ValueError(f"expected HH:MM (24 h), got {value!r}")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"expected an IANA time zone such as Europe/Paris, got {value!r}") from None
        return value

    @model_validator(mode="after")
    def _url(self) -> WebhookEndpoint:
        parts = urlsplit(self.url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError(f"url: expected an http(s) URL, got {self.url!r}")
        if parts.username or parts.password:
            raise ValueError("url: credentials in the URL would be logged; use the secret")
        if parts.scheme == "http" and not (self.allow_http or _loopback(parts.hostname)):
            raise ValueError(f"url: {parts.hostname} over plain http sends the news in clear; "
                             f"use https, or allow_http = true if that is meant")
        if not self.kinds:
            raise ValueError("kinds: at least one of " + ", ".join(KINDS))
        return self


def check_endpoints(endpoints: list[WebhookEndpoint]) -> list[WebhookEndpoint]:
    """Names are the endpoints' identities: one each."""
    seen: set[str] = set()
    for endpoint in endpoints:
        if endpoint.name in seen:
            raise ValueError(f"two [[webhooks]] are named {endpoint.name!r}; names must differ")
        seen.add(endpoint.name)
    return endpoints
