"""Interactions in the fake: what the bot answered, and the routes it answers through.

Discord gives a bot 3 seconds to acknowledge an interaction (after that: 10062 Unknown
interaction), accepts only one acknowledgement (40060), and then lets the bot edit the
original response and send followups with the interaction token for 15 minutes.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.fakes.discord_model import (
    FakeUser,
    apply_edit,
    member_payload,
    message_payload,
    new_snowflake,
)
from tests.fakes.discord_spec import refuse_message

if TYPE_CHECKING:
    from tests.fakes.discord_api import FakeDiscord
    from tests.fakes.discord_routes import Call

Result = tuple[int, Any]

CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT = (
    4,
    5,
    6,
    7,
    8,
)
_LOADING = 1 << 7
_EPHEMERAL = 1 << 6


@dataclass
class Response:
    """The bot's answer to one interaction, and what it did with the token afterwards."""

    interaction_id: str
    type: int
    data: dict[str, Any]
    edits: list[dict[str, Any]] = field(default_factory=list)
    followups: list[dict[str, Any]] = field(default_factory=list)
    message: dict[str, Any] | None = None  # the original response message as stored
    deleted: bool = False


@dataclass
class InteractionRecord:
    id: str
    token: str
    type: int
    name: str
    channel_id: str
    guild_id: str | None
    pushed_at: float
    response: Response | None = None


def _webhook_message(
    fake: FakeDiscord, record: InteractionRecord, body: dict[str, Any], flags: int = 0
) -> dict[str, Any]:
    """A message posted through the interaction's webhook (response or followup)."""
    return message_payload(
        message_id=new_snowflake(),
        channel_id=record.channel_id,
        author=fake.bot_user,
        body=body,
        guild_id=record.guild_id,
        webhook_id=fake.application_id,
        flags=flags,
    )


def interaction_create_payload(
    *,
    interaction_id: str,
    token: str,
    application_id: str,
    kind: int,
    command: dict[str, Any],
    options: list[dict[str, Any]] | None,
    user: FakeUser,
    guild_id: str | None,
    channel: dict[str, Any],
    locale: str,
    permissions: str,
) -> dict[str, Any]:
    """INTERACTION_CREATE as Discord sends it: `member` in a guild, `user` in a DM."""
    data = dict(command)
    if options:
        data["options"] = options
    if guild_id is not None:
        data["guild_id"] = guild_id
    payload: dict[str, Any] = {
        "id": interaction_id,
        "application_id": application_id,
        "type": kind,
        "token": token,
        "version": 1,
        "data": data,
        "channel_id": channel["id"],
        "channel": channel,
        "locale": locale,
        "app_permissions": permissions,
        "entitlements": [],
        "attachment_size_limit": 10 * 1024 * 1024,
        "context": 0 if guild_id else 1,
    }
    if guild_id is not None:
        payload["guild_id"] = guild_id
        payload["guild"] = {"id": guild_id, "locale": "fr", "features": []}
        payload["guild_locale"] = "fr"
        payload["member"] = member_payload(user, permissions)
        payload["authorizing_integration_owners"] = {"0": guild_id}
    else:
        payload["user"] = user.payload()
        payload["authorizing_integration_owners"] = {"1": user.id}
    return payload


def unknown_interaction() -> Result:
    return 404, {"message": "Unknown interaction", "code": 10062}


def new_interaction_token() -> str:
    return "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)


async def interaction_callback(fake: FakeDiscord, call: Call) -> Result:
    record = fake.interactions.get(call.params["interaction_id"])
    if record is None or record.token != call.params["interaction_token"]:
        return unknown_interaction()
    if time.monotonic() - record.pushed_at > fake.interaction_deadline:
        return unknown_interaction()
    if record.response is not None:
        return 400, {"message": "Interaction has already been acknowledged.", "code": 40060}
    body = call.body or {}
    kind = int(body.get("type", 0))
    data = body.get("data") or {}
    if kind == CHANNEL_MESSAGE:
        refusal = refuse_message(data, fake.violations, call.path, new=True, prefix=("data",))
        if refusal is not None:
            return refusal
    response = Response(interaction_id=record.id, type=kind, data=data)
    if kind in (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE):
        flags = _LOADING if kind == DEFERRED_CHANNEL_MESSAGE else 0
        response.message = _webhook_message(fake, record, data, flags)
    record.response = response
    fake.notify()
    if "with_response" not in call.query:
        return 204, None
    interaction: dict[str, Any] = {"id": record.id, "type": record.type}
    result: dict[str, Any] = {"interaction": interaction}
    if response.message is not None:
        interaction["response_message_id"] = response.message["id"]
        interaction["response_message_loading"] = kind == DEFERRED_CHANNEL_MESSAGE
        interaction["response_message_ephemeral"] = bool(int(data.get("flags") or 0) & _EPHEMERAL)
        if kind == CHANNEL_MESSAGE:  # a deferred response has no message resource yet
            result["resource"] = {"type": kind, "message": response.message}
    return 200, result


def _by_token(fake: FakeDiscord, call: Call) -> InteractionRecord | None:
    if call.params["webhook_id"] != fake.application_id:
        return None
    for record in fake.interactions.values():
        if record.token == call.params["webhook_token"]:
            return record
    return None


def _unknown_webhook() -> Result:
    return 404, {"message": "Unknown Webhook", "code": 10015}


async def original_message(fake: FakeDiscord, call: Call) -> Result:
    """GET/PATCH/DELETE /webhooks/{application_id}/{token}/messages/@original."""
    record = _by_token(fake, call)
    if record is None:
        return _unknown_webhook()
    response = record.response
    if response is None or response.message is None or response.deleted:
        return 404, {"message": "Unknown Message", "code": 10008}
    if call.method == "GET":
        return 200, response.message
    if call.method == "DELETE":
        response.deleted = True
        fake.notify()
        return 204, None
    body = call.body or {}
    refusal = refuse_message(body, fake.violations, call.path, new=False)
    if refusal is not None:
        return refusal
    apply_edit(response.message, body)
    response.message["flags"] = int(response.message.get("flags") or 0) & ~_LOADING
    response.edits.append(body)
    fake.notify()
    return 200, response.message


async def execute_webhook(fake: FakeDiscord, call: Call) -> Result:
    """POST /webhooks/{application_id}/{token}: an interaction followup."""
    record = _by_token(fake, call)
    if record is None or record.response is None:
        return _unknown_webhook()
    body = call.body or {}
    refusal = refuse_message(body, fake.violations, call.path, new=True)
    if refusal is not None:
        return refusal
    message = _webhook_message(fake, record, body)
    record.response.followups.append(body)
    fake.notify()
    if call.query.get("wait", "").lower() in ("1", "true"):
        return 200, message
    return 204, None
