"""REST handlers of the fake Discord API, keyed by the spec's (method, path template).

Each handler gets the validated request (`Call`) and returns (status, JSON body). Bodies
have already passed the OpenAPI schema check; the handlers add Discord's runtime rules
(unknown channel, missing permissions, message limits, nonce de-duplication).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.fakes import discord_interactions as inter
from tests.fakes.discord_model import apply_edit, message_payload, new_snowflake
from tests.fakes.discord_ratelimit import too_many_requests
from tests.fakes.discord_spec import refuse_message

if TYPE_CHECKING:
    from tests.fakes.discord_api import FakeDiscord

Result = tuple[int, Any]
_NO_AUTH_PARAMS = ("webhook_token", "interaction_token")
Handler = Callable[["FakeDiscord", "Call"], Awaitable[Result]]


@dataclass
class Call:
    """One recorded HTTP request and the status the fake answered."""

    method: str
    path: str
    body: Any
    query: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    status: int = 0
    template: str | None = None
    has_body: bool = False

    @property
    def json(self) -> Any:
        """The decoded JSON body (alias of `body`)."""
        return self.body


def unknown_channel() -> Result:
    return 404, {"message": "Unknown Channel", "code": 10003}


async def users_me(fake: FakeDiscord, call: Call) -> Result:
    data = fake.bot_user.payload()
    return 200, {
        **data,
        "bot": True,
        "verified": True,
        "mfa_enabled": False,
        "flags": 0,
        "email": None,
        "locale": "en-US",
        "banner": None,
        "accent_color": None,
    }


async def application_me(fake: FakeDiscord, call: Call) -> Result:
    owner = fake.users.get(fake.owner_id) or fake.bot_user
    return 200, {
        "id": fake.application_id,
        "name": "Newsbot",
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": 0,
        "flags_new": "0",
        "owner": owner.payload(),
        "team": None,
        "bot": fake.bot_user.payload(),
        "rpc_origins": [],
        "tags": [],
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "approximate_guild_count": len(fake.guilds),
        "approximate_user_install_count": 0,
        "approximate_user_authorization_count": 0,
        "explicit_content_filter": 0,
        "eligible_oauth2_scopes": ["bot", "applications.commands"],
    }


async def gateway(fake: FakeDiscord, call: Call) -> Result:
    return 200, {"url": fake.gateway_url.rstrip("/")}


async def gateway_bot(fake: FakeDiscord, call: Call) -> Result:
    limit = {"total": 1000, "remaining": 999, "reset_after": 86_400_000, "max_concurrency": 1}
    return 200, {"url": fake.gateway_url.rstrip("/"), "shards": 1, "session_start_limit": limit}


def _commands_store(fake: FakeDiscord, call: Call) -> list[dict[str, Any]] | None:
    if call.params["application_id"] != fake.application_id:
        return None
    guild_id = call.params.get("guild_id")
    if guild_id is None:
        return fake.commands
    return fake.guild_commands.setdefault(guild_id, [])


async def put_commands(fake: FakeDiscord, call: Call) -> Result:
    store = _commands_store(fake, call)
    if store is None:
        return 403, {"message": "Missing Access", "code": 50001}
    guild_id = call.params.get("guild_id")
    if guild_id is not None and guild_id not in fake.guilds:
        return 404, {"message": "Unknown Guild", "code": 10004}
    previous = {(c["name"], c["type"]): c["id"] for c in store}
    result = []
    for body in call.body or []:
        kind = int(body.get("type") or 1)
        command = {
            "id": previous.get((body["name"], kind)) or new_snowflake(),
            "application_id": fake.application_id,
            "version": new_snowflake(),
            "type": kind,
            "name": body["name"],
            "description": body.get("description") or "",
            "options": body.get("options") or [],
            # Discord answers the permission bits as a string, however they were sent
            "default_member_permissions": (
                None if body.get("default_member_permissions") is None
                else str(body["default_member_permissions"])),
            "nsfw": bool(body.get("nsfw", False)),
            "contexts": body.get("contexts"),
            "integration_types": body.get("integration_types") or [0],
            "name_localizations": body.get("name_localizations"),
            "description_localizations": body.get("description_localizations"),
        }
        if guild_id is not None:
            command["guild_id"] = guild_id
        result.append(command)
    store[:] = result
    fake.notify()
    return 200, result


async def get_commands(fake: FakeDiscord, call: Call) -> Result:
    store = _commands_store(fake, call)
    if store is None:
        return 403, {"message": "Missing Access", "code": 50001}
    return 200, list(store)


async def create_dm(fake: FakeDiscord, call: Call) -> Result:
    """The bot opens (or finds) its private channel with a user."""
    user = fake.users.get(str((call.body or {}).get("recipient_id")))
    if user is None:
        return 400, {"message": "Invalid Recipient(s)", "code": 50033}
    return 200, fake.dm_channel(user.id).dm_payload(user)


async def get_channel(fake: FakeDiscord, call: Call) -> Result:
    channel = fake.channels.get(call.params["channel_id"])
    if channel is None or channel.deleted:
        return unknown_channel()
    return 200, channel.payload()


async def create_message(fake: FakeDiscord, call: Call) -> Result:
    channel = fake.channels.get(call.params["channel_id"])
    if channel is None or channel.deleted:
        return unknown_channel()
    if channel.send_denied:
        return 403, {"message": "Missing Permissions", "code": 50013}
    body = call.body or {}
    refusal = refuse_message(body, fake.violations, f"POST {call.path}", new=True)
    if refusal is not None:
        return refusal
    nonce = body.get("nonce")
    nonces = fake.nonces.setdefault(channel.id, {})
    now = time.monotonic()
    if nonce is not None and body.get("enforce_nonce"):
        seen = nonces.get(str(nonce))
        if seen is not None and now - seen[0] <= fake.nonce_window:
            fake.nonce_hits += 1
            return 200, seen[1]
    message = message_payload(
        message_id=new_snowflake(),
        channel_id=channel.id,
        author=fake.bot_user,
        body=body,
        guild_id=channel.guild_id,
    )
    channel.messages.append(message)
    if nonce is not None:
        nonces[str(nonce)] = (now, message)
    fake.notify()
    return 200, message


async def edit_message(fake: FakeDiscord, call: Call) -> Result:
    channel = fake.channels.get(call.params["channel_id"])
    if channel is None or channel.deleted:
        return unknown_channel()
    found = [m for m in channel.messages if m["id"] == call.params["message_id"]]
    if not found:
        return 404, {"message": "Unknown Message", "code": 10008}
    body = call.body or {}
    refusal = refuse_message(body, fake.violations, f"PATCH {call.path}", new=False)
    if refusal is not None:
        return refusal
    apply_edit(found[0], body)
    fake.notify()
    return 200, found[0]


ROUTES: dict[tuple[str, str], Handler] = {
    ("GET", "/users/@me"): users_me,
    ("GET", "/oauth2/applications/@me"): application_me,
    ("GET", "/gateway"): gateway,
    ("GET", "/gateway/bot"): gateway_bot,
    ("PUT", "/applications/{application_id}/commands"): put_commands,
    ("GET", "/applications/{application_id}/commands"): get_commands,
    ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands"): put_commands,
    ("GET", "/applications/{application_id}/guilds/{guild_id}/commands"): get_commands,
    ("POST", "/users/@me/channels"): create_dm,
    ("GET", "/channels/{channel_id}"): get_channel,
    ("POST", "/channels/{channel_id}/messages"): create_message,
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"): edit_message,
    (
        "POST",
        "/interactions/{interaction_id}/{interaction_token}/callback",
    ): inter.interaction_callback,
    ("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"): inter.original_message,
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"): inter.original_message,
    ("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"): inter.original_message,
    ("POST", "/webhooks/{webhook_id}/{webhook_token}"): inter.execute_webhook,
}


async def process(
    fake: FakeDiscord, call: Call, auth: str | None
) -> tuple[int, Any, dict[str, str]]:
    """Route, authorise, inject faults, rate-limit and validate one request, then handle it."""
    matched = fake.spec.match(call.method, call.path)
    if matched is None:
        fake.violations.append(f"{call.method} {call.path}: no such route in the spec")
        return 404, {"message": "404: Not Found", "code": 0}, {}
    operation, call.params = matched
    if operation.op.get("carried") is False:
        # A real route the bot does not use: tests/data carries its name only.
        fake.violations.append(f"{call.method} {operation.template}: not used by the bot")
        return 404, {"message": "404: Not Found", "code": 0}, {}
    call.template = operation.template
    needs_auth = not any(p in call.params for p in _NO_AUTH_PARAMS)
    if (needs_auth or auth is not None) and auth != f"Bot {fake.token}":
        fake.violations.append(f"{call.method} {call.path}: bad Authorization {auth!r}")
        return 401, {"message": "401: Unauthorized", "code": 0}, {}
    fault = fake.faults.take(call.method, call.path)
    if fault is not None and fault.status == 429:
        fake.count_429 += 1
        body, headers = too_many_requests(fault.retry_after, False)
        return 429, body, headers
    if fault is not None:
        return fault.status, {"message": f"{fault.status}: injected failure", "code": 0}, {}
    decision = fake.limiter.check(call.method, operation.template, call.params)
    if decision.retry_after is not None:
        fake.count_429 += 1
        body, headers = too_many_requests(decision.retry_after, decision.is_global)
        return 429, body, {**decision.headers, **headers}
    problems = fake.spec.check_params(operation, call.params, call.query)
    errors = fake.spec.check_body(operation, call.body, call.has_body)
    if problems or errors:
        fake.violations.append(f"{call.method} {call.path}: {problems} {errors}")
        if problems:
            errors = {
                **errors,
                "_errors": [{"code": "PARAM_INVALID", "message": p} for p in problems],
            }
        return (
            400,
            {"message": "Invalid Form Body", "code": 50035, "errors": errors},
            decision.headers,
        )
    handler = ROUTES.get((call.method, operation.template))
    if handler is None:
        fake.violations.append(
            f"{call.method} {operation.template}: valid but not implemented by the fake"
        )
        return 404, {"message": "404: Not Found", "code": 0}, decision.headers
    status, payload = await handler(fake, call)
    for problem in fake.spec.check_response(operation, status, payload):
        fake.fake_errors.append(f"{call.method} {operation.template} -> {status}: {problem}")
    return status, payload, decision.headers
