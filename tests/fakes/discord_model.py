"""The fake's world (guilds, channels, users) and the JSON payloads Discord would send for it.

Payloads carry the fields discord.py reads when it builds `Guild`, `TextChannel`, `Member`,
`Message` and `Interaction` objects, so the real client works on them unchanged.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

_DISCORD_EPOCH_MS = 1420070400000
_counter = itertools.count(1)


def new_snowflake() -> str:
    """A fresh, increasing snowflake (timestamp bits + a process-wide counter)."""
    ms = int(time.time() * 1000) - _DISCORD_EPOCH_MS
    return str((ms << 22) | (next(_counter) & 0x3FFFFF))


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class FakeUser:
    id: str
    username: str
    locale: str = "fr"
    bot: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "discriminator": "0",
            "global_name": self.username,
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
            "flags": 0,
            "primary_guild": None,
        }


@dataclass
class FakeChannel:
    id: str
    guild_id: str | None
    name: str
    type: int = 0
    deleted: bool = False
    send_denied: bool = False
    messages: list[dict[str, Any]] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "name": self.name,
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "topic": None,
            "last_message_id": self.messages[-1]["id"] if self.messages else None,
            "rate_limit_per_user": 0,
            "parent_id": None,
            "flags": 0,
        }
        if self.guild_id is not None:
            data["guild_id"] = self.guild_id
        return data

    def dm_payload(self, recipient: FakeUser) -> dict[str, Any]:
        """A private channel (type 1) as Discord describes it."""
        return {
            "id": self.id,
            "type": 1,
            "flags": 0,
            "recipients": [recipient.payload()],
            "last_message_id": self.messages[-1]["id"] if self.messages else None,
        }


@dataclass
class FakeGuild:
    id: str
    name: str
    owner_id: str
    channel_ids: list[str] = field(default_factory=list)

    def role_payload(self) -> dict[str, Any]:
        """The @everyone role: its id is the guild id; it grants the usual defaults."""
        return {
            "id": self.id,
            "name": "@everyone",
            "color": 0,
            "hoist": False,
            "position": 0,
            "permissions": "1071698660929",
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }


def member_payload(user: FakeUser, permissions: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "user": user.payload(),
        "nick": None,
        "roles": [],
        "joined_at": iso_now(),
        "deaf": False,
        "mute": False,
        "flags": 0,
    }
    if permissions is not None:
        data["permissions"] = permissions
    return data


def guild_create_payload(
    guild: FakeGuild, channels: list[FakeChannel], bot: FakeUser
) -> dict[str, Any]:
    """GUILD_CREATE as sent after READY: enough for discord.py to cache the guild fully."""
    return {
        "id": guild.id,
        "name": guild.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "owner_id": guild.owner_id,
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": [guild.role_payload()],
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": 0,
        "preferred_locale": "fr",
        "public_updates_channel_id": None,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "joined_at": iso_now(),
        "large": False,
        "unavailable": False,
        "member_count": 1,
        "members": [member_payload(bot)],
        "channels": [c.payload() for c in channels if not c.deleted],
        "threads": [],
        "presences": [],
        "voice_states": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def message_payload(
    *,
    message_id: str,
    channel_id: str,
    author: FakeUser,
    body: dict[str, Any],
    guild_id: str | None = None,
    webhook_id: str | None = None,
    flags: int = 0,
) -> dict[str, Any]:
    """A stored message as Discord returns it (`POST /channels/{id}/messages` and webhooks)."""
    data: dict[str, Any] = {
        "id": message_id,
        "channel_id": channel_id,
        "author": author.payload(),
        "content": body.get("content") or "",
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "tts": bool(body.get("tts", False)),
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [_stored_embed(e) for e in body.get("embeds") or []],
        "components": _stored_components(body.get("components")),
        "pinned": False,
        "type": 0,
        "flags": int(body.get("flags") or 0) | flags,
    }
    if body.get("nonce") is not None:
        data["nonce"] = body["nonce"]
    if guild_id is not None:
        data["guild_id"] = guild_id
    if webhook_id is not None:
        data["webhook_id"] = webhook_id
    return data


def apply_edit(message: dict[str, Any], body: dict[str, Any]) -> None:
    """Apply a PATCH body to a stored message, as Discord does (only the keys given)."""
    if "content" in body:
        message["content"] = body["content"] or ""
    if "embeds" in body:
        message["embeds"] = [_stored_embed(e) for e in body["embeds"] or []]
    if "components" in body:
        message["components"] = _stored_components(body["components"])
    if body.get("flags") is not None:
        message["flags"] = int(body["flags"])
    message["edited_timestamp"] = iso_now()


def _stored_embed(embed: dict[str, Any]) -> dict[str, Any]:
    """Discord adds `type: rich` and drops nulls when it stores an embed."""
    stored = {k: v for k, v in embed.items() if v is not None}
    stored.setdefault("type", "rich")
    return stored


def _stored_components(components: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Discord numbers every stored component (``id``, 1, 2, … depth-first) when not given."""
    counter = itertools.count(1)

    def number(component: dict[str, Any]) -> dict[str, Any]:
        stored = {**component, "id": component.get("id") or next(counter)}
        if isinstance(component.get("components"), list):
            stored["components"] = [number(c) for c in component["components"]]
        return stored

    return [number(c) for c in components or []]
