"""A strict loopback fake of the Discord HTTP API v10 and gateway, for end-to-end tests.

One aiohttp server on 127.0.0.1 (OS-chosen port) serves REST under `/api/v10` and the
gateway websocket at `/`. Every request is checked against Discord's OpenAPI spec and
Discord's own limits; anything Discord would refuse is answered like Discord does and
recorded in `violations`, so tests of the real discord.py client catch bad requests.

Typical use (the `fake_discord` fixture in discord_fixtures.py does the first two lines)::

    async with FakeDiscord() as dc:
        with dc.patch_discord():
            dc.add_guild(GUILD)
            dc.add_channel(CHANNEL, guild_id=GUILD)
            await client.login(dc.token)
            task = asyncio.create_task(client.connect())
            ...                                    # wait for on_ready, then tree.sync()
            iid = await dc.push_interaction("news", [{"name": "topic", "type": 3, "value": "x"}],
                                            guild_id=GUILD)
            final = await dc.wait_for_final(iid)   # what the user sees
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yarl
from aiohttp import web

with warnings.catch_warnings():
    # discord.py imports the stdlib `audioop` (deprecated since 3.11) for voice; the suite
    # turns warnings into errors, and voice is irrelevant here.
    warnings.simplefilter("ignore", DeprecationWarning)
    import discord.gateway
    import discord.http

from tests.fakes.discord_gateway import Gateway
from tests.fakes.discord_interactions import (
    DEFERRED_CHANNEL_MESSAGE,
    InteractionRecord,
    Response,
    interaction_create_payload,
    new_interaction_token,
)
from tests.fakes.discord_model import (
    FakeChannel,
    FakeGuild,
    FakeUser,
    new_snowflake,
)
from tests.fakes.discord_ratelimit import (
    DiscordLimits,
    FaultInjector,
    RateLimiter,
)
from tests.fakes.discord_routes import Call, process
from tests.fakes.discord_spec import DiscordSpec, default_spec_path

__all__ = ["Call", "DiscordLimits", "FakeDiscord", "Response"]


class FakeDiscord:
    """The fake server plus its world model; see the module docstring."""

    def __init__(
        self,
        token: str = "TEST.discord.token",
        application_id: str = "1100000000000000001",
        bot_user_id: str = "1100000000000000002",
        spec_path: Path | None = None,
    ) -> None:
        self.token = token
        self.application_id = application_id
        self.spec = DiscordSpec.load(spec_path or default_spec_path())
        self.bot_user = FakeUser(bot_user_id, "newsbot", bot=True)
        self.owner_id = "1100000000000000003"
        self.default_user_id = "1100000000000000100"
        self.users: dict[str, FakeUser] = {
            self.owner_id: FakeUser(self.owner_id, "owner"),
            self.default_user_id: FakeUser(self.default_user_id, "alice"),
        }
        self.guilds: dict[str, FakeGuild] = {}
        self.channels: dict[str, FakeChannel] = {}
        self._dm_channels: dict[str, str] = {}
        self.commands: list[dict[str, Any]] = []
        self.guild_commands: dict[str, list[dict[str, Any]]] = {}
        self.interactions: dict[str, InteractionRecord] = {}
        self.interaction_deadline = 3.0
        self.require_registered_commands = True
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.fake_errors: list[str] = []  # the fake's own answers that break the spec
        self.count_429 = 0
        self.nonce_hits = 0
        self.nonce_window = 300.0
        self.nonces: dict[str, dict[str, tuple[float, dict[str, Any]]]] = {}
        self.limiter = RateLimiter(DiscordLimits())
        self.faults = FaultInjector()
        self.gateway = Gateway(self)
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ---------------------------------------------------------------- lifecycle
    @property
    def limits(self) -> DiscordLimits:
        return self.limiter.limits

    @limits.setter
    def limits(self, value: DiscordLimits) -> None:
        self.limiter = RateLimiter(value)

    @property
    def rest_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/", self.gateway.handle)
        app.router.add_route("*", "/api/v10{tail:/.*}", self._handle)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @contextlib.contextmanager
    def patch_discord(self) -> Iterator[None]:
        """Point discord.py's REST base and default gateway at this fake, then restore them."""
        old_base = discord.http.Route.BASE
        old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.rest_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    # ---------------------------------------------------------------- world model
    def add_guild(
        self, guild_id: str, name: str = "Guild", owner_id: str | None = None
    ) -> FakeGuild:
        guild = FakeGuild(str(guild_id), name, str(owner_id or self.owner_id))
        self.guilds[guild.id] = guild
        return guild

    def add_channel(
        self, channel_id: str, guild_id: str | None = None, name: str = "news", type: int = 0
    ) -> FakeChannel:
        channel = FakeChannel(str(channel_id), str(guild_id) if guild_id else None, name, type)
        self.channels[channel.id] = channel
        if channel.guild_id is not None:
            self.guilds[channel.guild_id].channel_ids.append(channel.id)
        return channel

    def dm_channel(self, user_id: str) -> FakeChannel:
        """The bot's private channel with a user (the one their DM interactions come from)."""
        dm_id = self._dm_channels.setdefault(str(user_id), new_snowflake())
        if dm_id not in self.channels:
            self.channels[dm_id] = FakeChannel(dm_id, None, "", type=1)
        return self.channels[dm_id]

    def direct_messages(self, user_id: str) -> list[dict[str, Any]]:
        """What the bot wrote to a user in private."""
        dm_id = self._dm_channels.get(str(user_id))
        return self.channel_messages(dm_id) if dm_id else []

    def delete_channel(self, channel_id: str) -> None:
        self.channels[str(channel_id)].deleted = True

    def deny_send(self, channel_id: str) -> None:
        self.channels[str(channel_id)].send_denied = True

    def add_user(self, user_id: str, username: str, locale: str = "fr") -> FakeUser:
        user = FakeUser(str(user_id), username, locale)
        self.users[user.id] = user
        return user

    async def drop_gateway(self, code: int = 4000) -> None:
        """Close every gateway session (4000: the client may RESUME; 4004 etc.: it may not)."""
        await self.gateway.close_all(code)

    # ---------------------------------------------------------------- faults
    def fail_next(self, method: str, path_regex: str, status: int = 500, times: int = 1) -> None:
        """Answer the next `times` matching requests with `status` instead of handling them."""
        self.faults.add(method, path_regex, status, times)

    def rate_limit_next(self, path_regex: str, retry_after: float = 1.0, times: int = 1) -> None:
        """Answer the next `times` matching requests with a 429 (retry after `retry_after` s)."""
        self.faults.add(None, path_regex, 429, times, retry_after)

    # ---------------------------------------------------------------- recording
    def notify(self) -> None:
        """Wake everything waiting for a state change."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_until(self, predicate: Callable[[], Any], timeout: float, what: str) -> Any:  # noqa: ASYNC109
        async def wait() -> Any:
            while True:
                changed = self._changed
                value = predicate()
                if value:
                    return value
                await changed.wait()

        try:
            return await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            raise TimeoutError(f"fake Discord: timed out waiting for {what}") from None

    def take_violations(self) -> list[str]:
        """Return and clear the violations (for tests that provoke one on purpose)."""
        taken, self.violations[:] = list(self.violations), []
        return taken

    def channel_messages(self, channel_id: str) -> list[dict[str, Any]]:
        channel = self.channels.get(str(channel_id))
        if channel is None:
            return []
        return [{**m, "edited": m["edited_timestamp"] is not None} for m in channel.messages]

    async def wait_for_channel_messages(
        self,
        channel_id: str,
        n: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[dict[str, Any]]:
        def enough() -> list[dict[str, Any]] | None:
            messages = self.channel_messages(channel_id)
            return messages if len(messages) >= n else None

        return await self._wait_until(enough, timeout, f"{n} message(s) in channel {channel_id}")

    # ---------------------------------------------------------------- interactions
    async def wait_ready(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until a client has identified on the gateway."""
        try:
            await asyncio.wait_for(self.gateway.ready.wait(), timeout)
        except TimeoutError:
            raise TimeoutError("fake Discord: no client identified on the gateway") from None

    def _command_id(self, name: str, guild_id: str | None) -> str:
        for command in [*self.commands, *self.guild_commands.get(guild_id or "", [])]:
            if command["name"] == name:
                return command["id"]
        if self.require_registered_commands:
            raise LookupError(f"command {name!r} is not registered (did the bot call tree.sync()?)")
        return new_snowflake()

    def _interaction_channel(
        self, user: FakeUser, guild_id: str | None, channel_id: str | None
    ) -> dict[str, Any]:
        if channel_id is None and guild_id is not None:
            channel_id = self.guilds[guild_id].channel_ids[0]
        if channel_id is not None:
            return self.channels[str(channel_id)].payload()
        dm_id = self._dm_channels.setdefault(user.id, new_snowflake())
        return {"id": dm_id, "type": 1, "recipients": [user.payload()], "last_message_id": None}

    async def push_interaction(
        self,
        name: str,
        options: list[dict[str, Any]] | None = None,
        *,
        user_id: str | None = None,
        guild_id: str | None = None,
        channel_id: str | None = None,
        locale: str | None = None,
        permissions: str = "0",
        type: int = 2,
    ) -> str:
        """Dispatch INTERACTION_CREATE for a slash command (type 2) or autocomplete (type 4)."""
        await self.wait_ready()
        user = self.users[str(user_id or self.default_user_id)]
        guild_id = str(guild_id) if guild_id else None
        channel = self._interaction_channel(user, guild_id, channel_id)
        interaction_id, token = new_snowflake(), new_interaction_token()
        payload = interaction_create_payload(
            interaction_id=interaction_id,
            token=token,
            application_id=self.application_id,
            kind=type,
            command={"id": self._command_id(name, guild_id), "name": name, "type": 1},
            options=options,
            user=user,
            guild_id=guild_id,
            channel=channel,
            locale=locale or user.locale,
            permissions=permissions,
        )
        self.interactions[interaction_id] = InteractionRecord(
            id=interaction_id,
            token=token,
            type=type,
            name=name,
            channel_id=channel["id"],
            guild_id=guild_id,
            pushed_at=time.monotonic(),
        )
        if not await self.gateway.dispatch("INTERACTION_CREATE", payload):
            raise RuntimeError("fake Discord: no gateway session to deliver the interaction to")
        return interaction_id

    async def push_autocomplete(
        self, name: str, options: list[dict[str, Any]], **kwargs: Any
    ) -> str:
        """An APPLICATION_COMMAND_AUTOCOMPLETE interaction; mark the typed option `focused`."""
        return await self.push_interaction(name, options, type=4, **kwargs)

    async def wait_for_response(self, interaction_id: str, timeout: float = 5.0) -> Response:  # noqa: ASYNC109
        record = self.interactions[interaction_id]
        return await self._wait_until(
            lambda: record.response, timeout, f"a response to interaction {interaction_id}"
        )

    async def wait_for_final(self, interaction_id: str, timeout: float = 5.0) -> dict[str, Any]:  # noqa: ASYNC109
        """What the user finally sees: the type-4 data, or the @original edit after a defer."""
        response = await self.wait_for_response(interaction_id, timeout)
        if response.edits and response.message is not None:
            return response.message  # the original response as edited since
        if response.type != DEFERRED_CHANNEL_MESSAGE:
            return response.data

        def final() -> dict[str, Any] | None:
            if response.edits and response.message is not None:
                return response.message
            return response.followups[0] if response.followups else None

        return await self._wait_until(final, timeout, f"the final answer to {interaction_id}")

    # ---------------------------------------------------------------- HTTP
    async def _not_found(self, request: web.Request) -> web.Response:
        self.violations.append(f"{request.method} {request.path}: outside /api/v10")
        return _json(404, {"message": "404: Not Found", "code": 0})

    async def _read_body(self, request: web.Request) -> tuple[Any, bool]:
        raw = await request.read()
        if not raw:
            return None, False
        ctype = request.headers.get("Content-Type", "")
        if ctype.startswith("application/json"):
            return json.loads(raw), True
        self.violations.append(f"{request.method} {request.path}: body with Content-Type {ctype!r}")
        return None, True

    async def _handle(self, request: web.Request) -> web.Response:
        method, path = request.method, request.match_info["tail"]
        body, has_body = await self._read_body(request)
        call = Call(method, path, body, dict(request.query), has_body=has_body)
        self.calls.append(call)
        status, payload, headers = await process(self, call, request.headers.get("Authorization"))
        call.status = status
        return _json(status, payload, headers)


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> web.Response:
    """A reply with Content-Type exactly `application/json` (discord.py checks equality)."""
    all_headers = {"Via": "1.1 google", **(headers or {})}
    if status == 204 or payload is None:
        return web.Response(status=status, headers=all_headers)
    all_headers["Content-Type"] = "application/json"
    return web.Response(status=status, body=json.dumps(payload).encode(), headers=all_headers)
