# ruff: noqa: F811  (pytest fixtures are imported, then requested by name)
"""A chat's lifecycle in one place (handlers/chats.py), the interactive reply path on the
outbox's policy, senders that say which parts went out, and limits per platform."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from bot.app import App
from bot.config import DeliverySection
from bot.delivery import OutboxWorker
from bot.platforms.base import About, ChatMoved, ChatUnavailable, Pace, PermanentError, RateLimited
from bot.platforms.telegram.updates import UpdateRouter
from handlers import chats
from handlers.reply import Reply
from storage.models import utcnow
from tests.discord_bot import CHANNEL, DiscordBot, discord_bot  # noqa: F401
from tests.fakes.discord_fixtures import fake_discord  # noqa: F401
from tests.outbox_support import add_chats, enqueue, fast_settings, rows, text_reply
from tests.test_discord_sender import MESSAGES, digest


async def test_a_gone_chat_is_inactive_with_its_pending_messages_dropped_until_seen(app: App) -> None:
    ids = await add_chats(app.uow, ["1", "2"])
    await enqueue(app.uow, ids, at=utcnow() + dt.timedelta(hours=1))
    assert await chats.gone(app.uow, "telegram", "1", "blocked " + "x" * 300)
    assert not await chats.gone(app.uow, "telegram", "404", "never seen")
    async with app.uow() as uow:
        chat = await uow.chats.find("telegram", "1")
        assert chat is not None and not chat.active
        assert chat.inactive_reason is not None and len(chat.inactive_reason) == chats.REASON_CHARS
    by_chat = {r.chat_id: r for r in await rows(app.uow)}
    assert by_chat[ids["1"]].status == "dead" and by_chat[ids["2"]].status == "pending"
    assert (by_chat[ids["1"]].last_error or "").startswith("chat unavailable: blocked")
    await chats.seen(app.uow, "telegram", "1", kind="private", title=None)
    async with app.uow() as uow:
        chat = await uow.chats.find("telegram", "1")
        assert chat is not None and chat.active and chat.inactive_reason is None


async def test_a_moved_chat_keeps_its_record_and_pending_messages(app: App) -> None:
    ids = await add_chats(app.uow, ["-5"])
    await enqueue(app.uow, ids)
    assert await chats.moved(app.uow, "telegram", "-5", "-1005")
    assert not await chats.moved(app.uow, "telegram", "-5", "-1005")  # the second half: done
    async with app.uow() as uow:
        chat = await uow.chats.find("telegram", "-1005")
        assert chat is not None and chat.id == ids["-5"] and chat.kind == "supergroup"
    [row] = await rows(app.uow)
    assert row.chat_id == ids["-5"] and row.status == "pending"


class Scripted:
    """A Telegram-like sender: raises the scripted errors in order, then sends."""

    platform = "telegram"

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls: list[tuple[str, int]] = []

    async def send(self, chat_id: str, reply: Reply, *, nonce: str,
                   thread_id: int | str | None = None, pace: Pace | None = None,
                   read_timeout: float | None = None, skip_parts: int = 0,
                   about: About | None = None) -> list[str]:
        self.calls.append((chat_id, skip_parts))
        if self.errors:
            raise self.errors.pop(0)
        return ["9"]


async def test_an_interactive_reply_waits_out_a_short_429_and_follows_a_moved_chat(
        app: App) -> None:
    ids = await add_chats(app.uow, ["-7"])
    sender = Scripted(RateLimited(0.01, "unknown", sent_message_ids=["1", "2"]),
                      ChatMoved("-1007"), RateLimited(0.01, sent_message_ids=["3"]))
    router = UpdateRouter(app, cast(Any, sender))
    await router.deliver(-7, Reply.from_dict(text_reply("hi")))
    # resumed after the 2 parts sent; after the move, from the start in the new chat
    assert sender.calls == [("-7", 0), ("-7", 2), ("-1007", 0), ("-1007", 1)]
    async with app.uow() as uow:
        chat = await uow.chats.get(ids["-7"])
        assert chat is not None and chat.platform_chat_id == "-1007"


async def test_an_interactive_reply_to_a_gone_chat_marks_it_and_a_second_move_stops(
        app: App) -> None:
    ids = await add_chats(app.uow, ["3", "-8"])
    await enqueue(app.uow, {"3": ids["3"]}, at=utcnow() + dt.timedelta(hours=1))
    router = UpdateRouter(app, cast(Any, Scripted(ChatUnavailable("bot was blocked by the user"))))
    await router.deliver(3, Reply.from_dict(text_reply("hi")))
    async with app.uow() as uow:
        chat = await uow.chats.get(ids["3"])
        assert chat is not None and not chat.active
    assert [r.status for r in await rows(app.uow)] == ["dead"]  # the outbox sends it nothing
    moving = Scripted(ChatMoved("-1008"), ChatMoved("-2008"))
    await UpdateRouter(app, cast(Any, moving)).deliver(-8, Reply.from_dict(text_reply("hi")))
    assert moving.calls == [("-8", 0), ("-1008", 0)]  # moved again: the policy's dead letter


async def test_the_discord_sender_paces_its_parts_and_names_those_sent_before_a_failure(
        discord_bot: DiscordBot) -> None:
    fake, sender = discord_bot.fake, discord_bot.platform.sender
    big = digest(n_items=30)
    paced = 0

    async def fail_the_second_part() -> None:
        nonlocal paced
        paced += 1
        if paced == 1:
            fake.fail_next("POST", MESSAGES, status=400)

    try:
        await sender.send(CHANNEL, big, nonce="outbox:77", pace=fail_the_second_part)
    except PermanentError as exc:
        first = exc.sent_message_ids
    assert len(first) == 1 and [m["id"] for m in fake.channel_messages(CHANNEL)] == first
    rest = await sender.send(CHANNEL, big, nonce="outbox:77", skip_parts=1)
    assert len(rest) >= 1
    assert [m["id"] for m in fake.channel_messages(CHANNEL)] == first + rest  # none repeated


def test_the_worker_takes_each_platforms_limits_from_outside(app: App) -> None:
    settings: DeliverySection = fast_settings(global_per_second=30, private_per_second=1,
                                              group_per_minute=20, reserve_per_second=3)
    worker = OutboxWorker(app.uow, {}, settings, limits={"discord": (50, 5, 600)})
    discord, telegram = worker.limits("discord"), worker.limits("telegram")
    assert discord.overall.limit == 50 and discord.chat("1", private=True).limit == 5
    assert discord.chat("2", private=False).limit == 600
    # a platform the table does not name: [delivery]'s limits, less the reserve
    assert telegram.overall.limit == 27 and telegram.chat("-3", private=False).limit == 20
    by_function = OutboxWorker(app.uow, {}, settings, limits=lambda platform: (10, 2, 40))
    assert by_function.limits("telegram").overall.limit == 10
