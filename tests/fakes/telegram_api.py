"""A strict loopback fake of the Telegram Bot API for end-to-end tests.

Why: our tests drive the real python-telegram-bot ``Application`` through ``base_url``;
this server answers like Telegram (texts, status codes, rate limits, webhooks) and
records every call, every spec violation and every message the bot sent, so tests can
assert what a user would see without touching the network.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.telegram_delivery import UpdateDelivery, wait_until
from tests.fakes.telegram_methods import TelegramMethods
from tests.fakes.telegram_spec import BotApiSpec, default_spec_path, load_spec
from tests.fakes.telegram_state import (
    SENDING_METHODS,
    ApiError,
    Call,
    ChatInfo,
    Fault,
    RateLimiter,
    SentMessage,
    TelegramLimits,
    UploadedFile,
)
from tests.fakes.telegram_updates import UpdateInjection

__all__ = ["Call", "FakeTelegram", "SentMessage", "TelegramLimits"]


class FakeTelegram(UpdateInjection, UpdateDelivery, TelegramMethods):
    """The fake server. Use ``async with FakeTelegram() as tg`` or start()/stop()."""

    def __init__(
        self,
        token: str = "123456:TEST-token-abcdefghijklmnopqrstuvwxyz",
        bot_username: str = "assembly_news_bot",
        spec_path: str | Path | None = None,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.spec: BotApiSpec = load_spec(str(spec_path or default_spec_path()))
        self.bot_user = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": "Assembly News",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        #: setChatMenuButton: chat id (None: the bot's default) -> MenuButton
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.chats: dict[int, ChatInfo] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.limits = TelegramLimits()
        self.count_429 = 0
        #: 429s by what was broken: "chat", "global" (the limits), "injected", "flood"
        self.count_429_by: Counter[str] = Counter()
        self.webhook: dict[str, Any] | None = None
        self._sent: dict[int, list[SentMessage]] = {}
        self._callbacks: set[str] = set()
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._allowed_updates: list[str] = []
        self._faults: dict[str, list[Fault]] = {}
        self._limiter = RateLimiter()
        self._flood_until = 0.0
        self._late_seconds = 0.0
        self._late_until = 0.0
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._port = 0
        self._stopping = False
        self._poll_generation = 0

    # --------------------------------------------------------------- lifecycle
    async def start(self) -> FakeTelegram:
        self._messages_event = asyncio.Event()
        self._updates_event = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        self._stopping = True
        self._updates_event.set()
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/file/bot"

    # --------------------------------------------------------------- test API
    def messages(self, chat_id: int) -> list[SentMessage]:
        """Messages the bot sent to a chat, oldest first (deleted ones flagged)."""
        return list(self._sent.get(chat_id, []))

    async def wait_for_messages(
        self,
        chat_id: int,
        n: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 (public API)
    ) -> list[SentMessage]:
        """Wait until the bot has sent at least n messages to the chat."""
        if not await wait_until(
            self._messages_event, lambda: len(self.messages(chat_id)) >= n, timeout
        ):
            raise AssertionError(
                f"expected >= {n} bot message(s) in chat {chat_id} within {timeout}s, got "
                f"{len(self.messages(chat_id))}\n{self.dump()}"
            ) from None
        return self.messages(chat_id)

    def dump(self) -> str:
        """A readable summary of the traffic, for assertion messages."""
        lines = ["calls:"]
        lines += [f"  {c.method} {c.status} {c.error or ''} {c.params}"[:300] for c in self.calls]
        lines.append("messages:")
        for chat_id, sent in self._sent.items():
            lines += [f"  {chat_id}#{m.message_id}: {m.text!r}"[:300] for m in sent]
        lines.append(f"violations: {self.violations}")
        return "\n".join(lines)

    def make_forum(self, chat_id: int, topics: tuple[int, ...] | list[int] = ()) -> None:
        chat = self.chat(chat_id)
        chat.is_forum = True
        chat.topics.update(topics)

    def block_chat(self, chat_id: int) -> None:
        self.chat(chat_id).refusal = ApiError(403, "Forbidden: bot was blocked by the user")

    def kick_from_chat(self, chat_id: int) -> None:
        kind = self.chat(chat_id).type
        text = {
            "group": "Forbidden: bot was kicked from the group chat",
            "supergroup": "Forbidden: bot was kicked from the supergroup chat",
            "channel": "Forbidden: bot is not a member of the channel chat",
        }.get(kind, "Forbidden: bot was blocked by the user")
        self.chat(chat_id).refusal = ApiError(403, text)

    def deactivate_user(self, chat_id: int) -> None:
        self.chat(chat_id).refusal = ApiError(403, "Forbidden: user is deactivated")

    def forget_chat(self, chat_id: int) -> None:
        self.chat(chat_id).refusal = ApiError(400, "Bad Request: chat not found")

    def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        self.chat(old_chat_id).refusal = ApiError(
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            {"migrate_to_chat_id": new_chat_id},
        )
        self.chat(new_chat_id).type = "supergroup"

    def restore_chat(self, chat_id: int) -> None:
        """Undo block/kick/deactivate/forget/migrate for a chat."""
        self.chat(chat_id).refusal = None

    def set_chat_admins(
        self, chat_id: int, user_ids: list[int], creator: int | None = None
    ) -> None:
        chat = self.chat(chat_id)
        chat.admins, chat.creator = list(user_ids), creator

    def fail_next(
        self,
        method: str,
        status: int = 500,
        description: str = "Internal Server Error",
        times: int = 1,
    ) -> None:
        fault = Fault("fail", times, status=status, description=description)
        self._faults.setdefault(method, []).append(fault)

    def hang_next(self, method: str, seconds: float, times: int = 1) -> None:
        """Delay the answer; the call still takes effect, as when Telegram delivers a
        message although the client timed out (at-most-once tests need exactly this)."""
        self._faults.setdefault(method, []).append(Fault("hang", times, seconds=seconds))

    def retry_after_next(self, method: str, seconds: int, times: int = 1,
                         chat_id: int | None = None) -> None:
        """A 429 for the next call(s); with ``chat_id``, for the next call(s) to that chat
        only (a per-chat limit: other chats are answered normally meanwhile)."""
        self._faults.setdefault(method, []).append(
            Fault("retry_after", times, seconds=seconds, chat_id=chat_id))

    def flood(self, seconds: float) -> None:
        """A bot-wide flood wait: for ``seconds`` every sending call, to any chat, gets a 429
        whose ``retry_after`` is the time left (as Telegram limits a whole bot)."""
        self._flood_until = time.monotonic() + seconds

    def answer_late(self, seconds: float, for_seconds: float | None = None) -> None:
        """From now on (for ``for_seconds``, or until ``answer_on_time``), every sending call
        takes effect at once but is answered ``seconds`` later: a slow Bot API. A client
        whose read timeout is shorter gives up on a message that was delivered."""
        self._late_seconds = seconds
        self._late_until = math.inf if for_seconds is None else time.monotonic() + for_seconds

    def answer_on_time(self) -> None:
        self._late_until = 0.0

    # ------------------------------------------------------------------- HTTP
    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return _json(ApiError(401, "Unauthorized").body(), 401)
        raw, form_encoded = await _read_params(request)
        call = Call(method, raw)
        self.calls.append(call)
        try:
            result = await self._dispatch(method, raw, form_encoded, call)
            response = _json({"ok": True, "result": result}, 200)
        except ApiError as exc:
            call.status, call.error = exc.status, exc.description
            response = _json(exc.body(), exc.status)
        except Exception as exc:  # a fake bug must fail the test, not hide in a log
            self.violations.append(f"fake bug: {method} raised {exc!r}")
            call.status, call.error = 500, repr(exc)
            response = _json(ApiError(500, "Internal Server Error").body(), 500)
        if request.transport is None or request.transport.is_closing():
            # The client gave up (timeout, cancelled poll): nobody sees this answer.
            call.status, call.error = 499, f"client closed the request; answer was {call.error}"
        return response

    async def _dispatch(self, method: str, raw: dict[str, Any], form: bool, call: Call) -> Any:
        handler = getattr(self, f"m_{method}", None)
        if method not in self.spec.methods or handler is None:
            known = method in self.spec.methods
            self.violations.append(
                f"{method}: not implemented by the fake" if known else f"unknown method {method!r}"
            )
            raise ApiError(404, "Not Found")
        params, violations, error = self.spec.decode_params(method, raw, form_encoded=form)
        call.params = params
        self.violations.extend(violations)
        chat_id = params.get("chat_id")
        await self._apply_fault(method, chat_id)
        if error:
            raise ApiError(400, error)
        limited = method in SENDING_METHODS
        if limited:
            left = self._flood_until - time.monotonic()
            if left > 0:
                raise self._too_many(math.ceil(left), "flood")
            broken = self._limiter.retry_after(
                self.limits, chat_id if isinstance(chat_id, int) else None
            )
            if broken is not None:
                raise self._too_many(*broken)
        result = await handler(params)
        if limited:
            self._limiter.record(chat_id if isinstance(chat_id, int) else None,
                                 self.limits.clock)
            if time.monotonic() < self._late_until:
                await asyncio.sleep(self._late_seconds)
        self._check_result(method, result)
        return result

    def _too_many(self, seconds: int, scope: str) -> ApiError:
        """Telegram's 429: the same answer whatever limit was broken."""
        self.count_429 += 1
        self.count_429_by[scope] += 1
        return ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})

    async def _apply_fault(self, method: str, chat_id: object) -> None:
        queue = self._faults.get(method)
        fault = next((f for f in queue or () if f.chat_id in (None, chat_id)), None)
        if queue is None or fault is None:
            return
        fault.times -= 1
        if fault.times <= 0:
            queue.remove(fault)
        if fault.kind == "hang":
            await asyncio.sleep(fault.seconds)
        elif fault.kind == "fail":
            raise ApiError(fault.status, fault.description)
        else:
            raise self._too_many(int(fault.seconds), "injected")

    def _check_result(self, method: str, result: Any) -> None:
        """The fake's own answers must match the spec, or PTB tests prove nothing."""
        returns = self.spec.methods[method]["returns"]
        problems = [self.spec.check_object(t, result) for t in returns]
        if all(problems):
            self.violations.append(f"fake bug: {method} result invalid: {problems[0]}")


async def _read_params(request: web.Request) -> tuple[dict[str, Any], bool]:
    """Query string plus body: form fields are strings, a JSON body keeps its types."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        body = await request.json() if request.can_read_body else {}
        params.update(body or {})
        return params, False
    if request.can_read_body:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                upload = UploadedFile(value.file.read())
                upload.filename, upload.content_type = value.filename, value.content_type
                params[key] = upload
            else:
                params[key] = value if isinstance(value, str) else bytes(value)
    return params, True


def _json(body: dict[str, Any], status: int) -> web.Response:
    return web.Response(text=json.dumps(body), status=status, content_type="application/json")
