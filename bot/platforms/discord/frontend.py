"""Discord front end: a discord.py client in our event loop, translating only.

Interaction -> :class:`handlers.base.Request` -> ``app.handle`` -> Reply -> embeds/buttons.
The client is started with ``login`` + a task running ``connect`` (never ``client.run``), and
stopped with ``close``. Commands come from the handler registry (``commands``); the
tree is synced to ``[discord] guild_ids`` at start (``python -m bot discord-sync`` syncs it
globally). A handler slower than ``defer_after`` seconds is deferred (Discord wants an answer
within 3 s) and its reply edited in. Errors are ephemeral. Outgoing digests and alerts go
through :class:`DiscordSender` (``platform.sender``).
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from typing import Any

import yarl

from bot.app import App
from bot.health import describe
from bot.platforms.base import TokenRejected, cancel_and_wait, offer_sender, withdraw_sender
from bot.platforms.discord.buttons import ButtonCodec, CommandButton, build_view, stale_text
from bot.platforms.discord.commands import build_tree, sync
from bot.platforms.discord.config import DiscordSection
from bot.platforms.discord.render import NO_MENTIONS, DiscordMessage, render
from bot.platforms.discord.send import DiscordSender
from bot.retry import backoff
from handlers.base import Request
from handlers.reply import Reply

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # discord.py imports audioop (voice)
    import discord
    import discord.gateway
    import discord.http

__all__ = ["DiscordPlatform", "DiscordSender", "DiscordSenderComponent", "NewsClient",
           "sync_commands"]

log = logging.getLogger("newsbot.discord")


def chat_admin_check(interaction: discord.Interaction[Any]) -> Any:
    """The Request's ``check_chat_admin``: Manage Channels or Administrator here (DMs: yes)."""

    async def check() -> bool:
        if interaction.guild_id is None:
            return True
        perms = interaction.permissions
        return bool(perms.administrator or perms.manage_channels)

    return check


def to_request(
    interaction: discord.Interaction[Any], command: str, args: str, page: int = 1
) -> Request:
    channel = interaction.channel
    in_guild = interaction.guild_id is not None
    title = getattr(channel, "name", None) if in_guild else None
    if title and interaction.guild is not None:
        title = f"{interaction.guild.name} #{title}"
    return Request(
        platform="discord",
        chat_id=str(interaction.channel_id),
        user_id=str(interaction.user.id),
        command=command,
        args=args,
        chat_kind="guild" if in_guild else "private",
        chat_title=title,
        user_name=interaction.user.name,
        user_language=interaction.locale.value,
        page=page,
        check_chat_admin=chat_admin_check(interaction),
    )


def _fields(m: DiscordMessage) -> dict[str, Any]:
    return {"content": m.content, "embeds": m.embeds}


class NewsClient(discord.Client):
    """The discord.py client: routes slash commands, autocomplete and button presses."""

    def __init__(self, app: App, *, defer_after: float = 2.0, **options: Any) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(intents=intents, allowed_mentions=NO_MENTIONS, **options)
        self.app = app
        self.defer_after = defer_after
        self.codec = ButtonCodec(getattr(app, "buttons", None))
        self.tree = build_tree(self, app.registry, app.deps, self.run_command)
        self.sync_guilds: list[int] = []

    async def setup_hook(self) -> None:
        self.add_dynamic_items(CommandButton)

    # ------------------------------------------------------------------ inbound
    async def _reply_for(
        self, interaction: discord.Interaction[Any], request: Request, *, update: bool
    ) -> tuple[Reply, bool]:
        """The handler's reply; deferred first when it takes longer than ``defer_after``."""
        task = asyncio.ensure_future(self.app.handle(request))
        try:
            return await asyncio.wait_for(asyncio.shield(task), self.defer_after), False
        except TimeoutError:
            if update:
                await interaction.response.defer()
            else:
                await interaction.response.defer(thinking=True)
            return await task, True

    async def run_command(self, interaction: discord.Interaction[Any], name: str, args: str) -> None:
        request = to_request(interaction, name, args)
        reply, deferred = await self._reply_for(interaction, request, update=False)
        await self._answer(interaction, reply, deferred, update=False)

    async def _answer(
        self, interaction: discord.Interaction[Any], reply: Reply, deferred: bool, *, update: bool
    ) -> None:
        """Show ``reply``: a new message, or (``update``) the pressed message edited in place.

        Errors are ephemeral; a deferred command's public placeholder is deleted for them.
        Parts beyond the first become followups; the buttons go on the last part.
        """
        messages = render(reply)
        view = None if reply.is_error else await build_view(
            reply.buttons, self.codec, rtl=reply.direction == "rtl")
        first, rest = messages[0], messages[1:]
        kwargs: dict[str, Any] = _fields(first) | {"allowed_mentions": NO_MENTIONS}
        if view is not None and not rest:
            kwargs["view"] = view
        elif update and not reply.is_error:
            kwargs["view"] = None  # the pressed message loses its stale buttons
        if reply.is_error:
            if deferred and not update:
                await interaction.delete_original_response()
            if deferred:
                rest = messages
            else:
                await interaction.response.send_message(**kwargs, ephemeral=True)
        elif deferred:
            await interaction.edit_original_response(**kwargs)
        elif update:
            await interaction.response.edit_message(**kwargs)
        else:
            await interaction.response.send_message(**kwargs)
        await self._followups(interaction, rest, view, ephemeral=reply.is_error)

    async def _followups(
        self, interaction: discord.Interaction[Any], messages: list[DiscordMessage],
        view: discord.ui.View | None, *, ephemeral: bool,
    ) -> None:
        for n, m in enumerate(messages):
            extra: dict[str, Any] = {}
            if view is not None and n == len(messages) - 1:
                extra["view"] = view
            await interaction.followup.send(
                content=m.content or discord.utils.MISSING, embeds=m.embeds,
                ephemeral=ephemeral, allowed_mentions=NO_MENTIONS, **extra,
            )

    async def on_button(self, interaction: discord.Interaction[Any], custom_id: str) -> None:
        """A command button: re-run the command at its page and update that message."""
        press = await self.codec.decode(custom_id)
        command = self.app.registry.get(press.command) if press else None
        if press is None or command is None:
            await self._stale(interaction)
            return
        request = to_request(interaction, press.command, press.args, press.page)
        reply, deferred = await self._reply_for(interaction, request, update=True)
        await self._answer(interaction, reply, deferred, update=True)

    async def _stale(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message(
            stale_text(interaction.locale.value), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """Every button press lands here (slash commands and autocomplete go to the tree)."""
        if interaction.type is discord.InteractionType.component:
            data: dict[str, Any] = dict(interaction.data or {})
            custom_id = str(data.get("custom_id", ""))
            await self.on_button(interaction, custom_id)


class DiscordPlatform:
    """The Discord component: starts the client in our loop and stops it cleanly.

    ``start`` logs in (a 401 raises TokenRejected), connects the gateway and syncs the
    commands to ``[discord] guild_ids``. A guild whose sync is refused (403: the bot lacks
    access or the ``applications.commands`` scope there) does not stop Discord: the part is
    ``degraded`` in ``app.health`` with the error, and that sync is retried with backoff.
    ``wait_failed`` returns when the gateway connection ends by itself (its supervisor then
    starts a fresh client).
    """

    name = "discord"

    def __init__(self, app: App, *, ready_timeout: float = 30.0, **client_options: Any) -> None:
        self.app = app
        self.settings = app.settings.discord
        use_endpoints(self.settings)
        self.client = NewsClient(
            app, defer_after=self.settings.defer_after,
            max_ratelimit_timeout=self.settings.max_ratelimit_timeout, **client_options,
        )
        self.client.sync_guilds = list(self.settings.guild_ids)
        self.sender = DiscordSender(self.client, self.client.codec)
        self.ready_timeout = ready_timeout
        self._task: asyncio.Task[None] | None = None
        self._sync_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        token = self.settings.token
        assert token is not None, "DiscordPlatform needs [discord] token"
        try:
            await login(self.client, token.get_secret_value())
            self._task = asyncio.create_task(self.client.connect(), name="discord-gateway")
            ready = asyncio.create_task(self.client.wait_until_ready())
            try:
                done, _ = await asyncio.wait({self._task, ready}, timeout=self.ready_timeout,
                                             return_when=asyncio.FIRST_COMPLETED)
            finally:
                ready.cancel()
            if ready not in done:
                if self._task in done:
                    self._task.result()  # raises the connection error
                log.warning("discord gateway not ready yet; continuing")
            if not await self._sync(self.client.sync_guilds, attempt=1):
                self._sync_task = asyncio.create_task(self._sync_later(), name="discord-sync")
        except BaseException:
            await self.stop()
            raise
        offer_sender(self.app, self.sender)
        log.info("discord connected", extra={"guilds": len(self.client.guilds)})

    async def _sync(self, guilds: list[int], attempt: int) -> bool:
        """Sync each guild; on refusals, mark Discord degraded and keep the failed ones."""
        failed: list[str] = []
        for gid in list(guilds):
            try:
                await sync(self.client.tree, [gid])
            except discord.HTTPException as exc:
                failed.append(f"guild {gid}: {describe(exc)}")
            else:
                guilds.remove(gid)
        health = getattr(self.app, "health", None)
        if not failed:
            if health is not None and health.state("discord") == "degraded":
                health.set("discord", "ok")
                log.info("discord commands synced", extra={"attempt": attempt})
            return True
        error = "commands not synced to " + "; ".join(failed)
        if health is not None:
            health.set("discord", "degraded", error)
        log.warning(f"discord {error} (attempt {attempt}); Discord keeps serving, "
                    "the sync is retried")
        return False

    async def _sync_later(self) -> None:
        bot = self.app.settings.bot
        attempt = 1
        while True:
            await asyncio.sleep(backoff(attempt, bot.retry_initial_seconds, bot.retry_max_seconds))
            attempt += 1
            if await self._sync(self.client.sync_guilds, attempt):
                return

    async def wait_failed(self) -> BaseException:
        """Returns when the gateway connection has ended by itself: why."""
        assert self._task is not None
        try:
            await asyncio.shield(self._task)
        except Exception as exc:
            return exc
        return ConnectionError("the gateway connection closed")

    async def stop(self) -> None:
        withdraw_sender(self.app, self.sender)
        await cancel_and_wait(self._sync_task)
        self._sync_task = None
        await self.client.close()
        if self._task is not None:
            try:
                await self._task
            except Exception:
                log.warning("discord gateway task ended with an error", exc_info=True)
            self._task = None


async def login(client: discord.Client, token: str) -> None:
    """``client.login``; a rejected token raises TokenRejected (discord.py says LoginFailure)."""
    try:
        await client.login(token)
    except discord.LoginFailure:
        raise TokenRejected("discord") from None


def use_endpoints(settings: DiscordSection) -> None:
    """``[discord] api_base`` / ``gateway_url`` (e.g. a rate-limit proxy): discord.py reads
    both from class attributes (``Route.BASE``, ``DiscordWebSocket.DEFAULT_GATEWAY``), so they
    are set process-wide, and only when configured."""
    if settings.api_base:
        discord.http.Route.BASE = settings.api_base
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


async def sync_commands(app: App, guild_ids: list[int] | None = None) -> int:
    """Log in without the gateway and register the commands (globally when no guild given).

    Global commands can take a while to appear in every client; guild ones are immediate.
    """
    token = app.settings.discord.token
    if token is None:
        raise ValueError("[discord] token is not set")
    use_endpoints(app.settings.discord)
    client = NewsClient(app)
    try:
        await login(client, token.get_secret_value())
        return await sync(client.tree, list(guild_ids or []))
    finally:
        await client.close()


class DiscordSenderComponent:
    """The Discord sender without the gateway, for a process that only delivers.

    It logs in (REST only) so the outbox worker can post and edit; it receives no
    interactions, so it can run next to replicas that serve commands.
    """

    name = "discord-sender"

    def __init__(self, app: App) -> None:
        self.app = app
        use_endpoints(app.settings.discord)
        self.client = NewsClient(
            app, max_ratelimit_timeout=app.settings.discord.max_ratelimit_timeout
        )
        self.sender = DiscordSender(self.client, self.client.codec)

    async def start(self) -> None:
        token = self.app.settings.discord.token
        assert token is not None, "DiscordSenderComponent needs [discord] token"
        try:
            await login(self.client, token.get_secret_value())
        except BaseException:
            await self.client.close()
            raise
        offer_sender(self.app, self.sender)

    async def stop(self) -> None:
        withdraw_sender(self.app, self.sender)
        await self.client.close()
