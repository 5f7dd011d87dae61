"""The outbox worker against a scripted Sender: every outcome class, leases, stop, on both DBs."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.app import App
from bot.delivery import OutboxWorker
from bot.platforms.base import (
    About,
    ChatMoved,
    ChatUnavailable,
    Pace,
    PermanentError,
    RateLimited,
    TransientError,
)
from handlers.reply import Reply, ReplyBuilder, plain_text
from storage.models import utcnow
from storage.outbox import NewMessage
from tests.outbox_support import (
    ScriptedSender,
    add_chats,
    enqueue,
    fast_settings,
    rows,
    run_until_settled,
    text_reply,
)


def worker_for(app: App, sender: ScriptedSender, **settings: object) -> OutboxWorker:
    return OutboxWorker(app.uow, {"telegram": sender}, fast_settings(**settings))


async def test_enqueue_is_idempotent_by_key(app: App) -> None:
    chats = await add_chats(app.uow, ["1", "2"])
    assert await enqueue(app.uow, chats) == 2
    assert await enqueue(app.uow, chats) == 0
    assert len(await rows(app.uow)) == 2


async def test_every_due_message_is_sent_once_and_recorded(app: App) -> None:
    chats = await add_chats(app.uow, [str(i) for i in range(1, 41)] + ["-5"])
    later = utcnow() + dt.timedelta(hours=1)
    await enqueue(app.uow, chats)
    await enqueue(app.uow, {"1": chats["1"]}, prefix="later", at=later)
    sender = ScriptedSender()
    worker = worker_for(app, sender)
    await worker.start()
    try:
        await sender.wait_sent(41)
    finally:
        await worker.stop()
    assert sorted(c for c, _ in sender.sent) == sorted(chats)
    assert sender.texts("1") == ["m for 1"]  # the later one is not due
    by_key = {r.dedupe_key: r for r in await rows(app.uow)}
    first = by_key[f"m:{chats['1']}"]
    assert first.status == "sent" and first.sent_at is not None and first.platform_message_ids
    assert by_key[f"later:{chats['1']}"].status == "pending"


async def test_server_errors_are_retried_until_delivered(app: App) -> None:
    chats = await add_chats(app.uow, ["1", "2"])
    await enqueue(app.uow, chats)
    sender = ScriptedSender()
    sender.fail("1", TransientError("502 Bad Gateway"), TransientError("timed out"))
    await run_until_settled(worker_for(app, sender), app.uow)
    assert sender.texts("1") == ["m for 1"] and sender.texts("2") == ["m for 2"]
    row = next(r for r in await rows(app.uow) if r.chat_id == chats["1"])
    assert row.status == "sent" and row.attempts == 2


async def test_dead_letter_after_max_attempts_with_the_reason(app: App) -> None:
    chats = await add_chats(app.uow, ["1"])
    await enqueue(app.uow, chats)
    sender = ScriptedSender()
    sender.fail("1", *[TransientError("500 Internal Server Error")] * 5)
    await run_until_settled(worker_for(app, sender, max_attempts=3), app.uow)
    [row] = await rows(app.uow)
    assert row.status == "dead" and row.attempts == 3
    assert row.last_error == "transient: 500 Internal Server Error"
    assert sender.sent == []


async def test_refused_message_is_dead_lettered_at_once(app: App) -> None:
    chats = await add_chats(app.uow, ["1"])
    await enqueue(app.uow, chats)
    sender = ScriptedSender()
    sender.fail("1", PermanentError("Bad Request: message is too long"))
    await run_until_settled(worker_for(app, sender), app.uow)
    [row] = await rows(app.uow)
    assert row.status == "dead" and row.attempts == 1 and "message is too long" in row.last_error


async def test_blocked_chat_is_deactivated_and_its_queue_dropped(app: App) -> None:
    chats = await add_chats(app.uow, ["1", "2"])
    await enqueue(app.uow, chats)
    await enqueue(app.uow, {"1": chats["1"]}, prefix="second", at=utcnow() + dt.timedelta(seconds=1))
    sender = ScriptedSender()
    sender.fail("1", ChatUnavailable("Forbidden: bot was blocked by the user"))
    await run_until_settled(worker_for(app, sender), app.uow)
    assert sender.texts("1") == [] and sender.texts("2") == ["m for 2"]
    async with app.uow() as uow:
        chat = await uow.chats.get(chats["1"])
        assert chat is not None and not chat.active
        assert chat.inactive_reason == "Forbidden: bot was blocked by the user"
    states = {r.dedupe_key: (r.status, r.last_error) for r in await rows(app.uow)}
    assert states[f"second:{chats['1']}"][0] == "dead"
    # the chat talks to the bot again: active again, settings kept
    async with app.uow() as uow:
        chat = await uow.chats.touch("telegram", "1", kind="private", title=None)
        assert chat.active


async def test_migrated_group_gets_the_message_at_its_new_id(app: App) -> None:
    chats = await add_chats(app.uow, ["-42"])
    await enqueue(app.uow, chats)
    sender = ScriptedSender()
    sender.fail("-42", ChatMoved("-10042"))
    await run_until_settled(worker_for(app, sender), app.uow)
    assert sender.texts("-10042") == ["m for -42"] and sender.texts("-42") == []
    async with app.uow() as uow:
        chat = await uow.chats.get(chats["-42"])
        assert chat is not None and chat.platform_chat_id == "-10042" and chat.kind == "supergroup"


async def test_rate_limit_pauses_only_that_chat(app: App) -> None:
    chats = await add_chats(app.uow, ["1", "2", "3"])
    await enqueue(app.uow, chats)
    sender = ScriptedSender()
    sender.fail("1", RateLimited(1, "chat"))
    worker = worker_for(app, sender)
    await run_until_settled(worker, app.uow)
    order = [c for c, _ in sender.sent]
    assert sorted(order) == ["1", "2", "3"] and order[-1] == "1"
    row = next(r for r in await rows(app.uow) if r.chat_id == chats["1"])
    assert row.status == "sent" and row.attempts == 0  # a 429 is not a failed attempt
    assert worker.counters.rate_limited == 1


async def test_claims_never_overlap_and_expired_leases_come_back(app: App) -> None:
    chats = await add_chats(app.uow, [str(i) for i in range(1, 11)])
    await enqueue(app.uow, chats)
    now = utcnow()
    async with app.uow() as uow:
        a = await uow.outbox.claim("a", now, 30, 6, ["telegram"])
    async with app.uow() as uow:
        b = await uow.outbox.claim("b", now, 30, 6, ["telegram"])
    assert len(a) == 6 and len(b) == 4 and not {r.id for r in a} & {r.id for r in b}
    async with app.uow() as uow:
        assert await uow.outbox.claim("c", now, 30, 6, ["telegram"]) == []
        assert await uow.outbox.claim("d", now, 30, 6, ["discord"]) == []
    async with app.uow() as uow:
        again = await uow.outbox.claim("c", now + dt.timedelta(seconds=31), 30, 20, ["telegram"])
    assert len(again) == 10


async def test_concurrent_claims_split_the_rows(app: App) -> None:
    chats = await add_chats(app.uow, [str(i) for i in range(1, 61)])
    await enqueue(app.uow, chats)
    now = utcnow()

    async def claim(owner: str) -> set[int]:
        async with app.uow() as uow:
            return {r.id for r in await uow.outbox.claim(owner, now, 30, 25, ["telegram"])}

    got = await asyncio.gather(*(claim(f"w{i}") for i in range(4)))
    assert sum(len(g) for g in got) == 60
    assert len(set().union(*got)) == 60


async def test_one_sender_lease_at_a_time_with_takeover(app: App) -> None:
    now = utcnow()
    async with app.uow() as uow:
        assert await uow.leases.acquire("delivery", "a", now, 10)
    async with app.uow() as uow:
        assert not await uow.leases.acquire("delivery", "b", now + dt.timedelta(seconds=5), 10)
        assert await uow.leases.acquire("delivery", "a", now + dt.timedelta(seconds=5), 10)
    async with app.uow() as uow:
        assert await uow.leases.acquire("delivery", "b", now + dt.timedelta(seconds=16), 10)
        assert await uow.leases.holder("delivery", now + dt.timedelta(seconds=16)) == "b"
        await uow.leases.release("delivery", "b")
    async with app.uow() as uow:
        assert await uow.leases.acquire("delivery", "a", now + dt.timedelta(seconds=17), 10)


async def test_stop_finishes_sends_and_gives_back_the_rest(app: App) -> None:
    chats = await add_chats(app.uow, [str(i) for i in range(1, 31)])
    await enqueue(app.uow, chats)
    sender = ScriptedSender(delay=0.05)
    worker = worker_for(app, sender, global_per_second=20, max_in_flight=4)
    await worker.start()
    await sender.wait_sent(5)
    await worker.stop()
    sent = {c for c, _ in sender.sent}
    states = {r.chat_id: r for r in await rows(app.uow)}
    assert {pid for pid, cid in chats.items() if states[cid].status == "sent"} == sent
    assert sender.calls == len(sent)  # every started send finished and was recorded
    pending = [r for r in states.values() if r.status == "pending"]
    assert pending and all(r.lease_owner is None and r.lease_until is None for r in pending)
    async with app.uow() as uow:
        assert await uow.leases.holder("delivery", utcnow()) is None


async def test_unreadable_payload_is_dead_lettered(app: App) -> None:
    chats = await add_chats(app.uow, ["1"])
    async with app.uow() as uow:
        await uow.outbox.enqueue_many([NewMessage("bad:1", chats["1"], "digest", {"blocks": [{"kind": "?"}]}),
                                       NewMessage("ok:1", chats["1"], "digest", text_reply("fine"))], utcnow())
    sender = ScriptedSender()
    await run_until_settled(worker_for(app, sender), app.uow)
    states = {r.dedupe_key: r.status for r in await rows(app.uow)}
    assert states == {"bad:1": "dead", "ok:1": "sent"} and sender.texts("1") == ["fine"]


async def test_a_sender_that_loses_its_lease_stops_sending(app: App) -> None:
    from sqlalchemy import update

    from storage.models import Lease

    chats = await add_chats(app.uow, ["1"])
    async with app.uow() as uow:
        await uow.outbox.enqueue_many([NewMessage(f"m{n}:1", chats["1"], "alert", text_reply(f"n{n}"))
                                       for n in range(30)], utcnow())
    sender = ScriptedSender()
    worker = worker_for(app, sender, private_per_second=5, leader_ttl_seconds=0.6)
    await worker.start()
    try:
        await sender.wait_sent(3)
        async with app.uow() as uow:  # another process took the lease (e.g. we were paused)
            await uow.session.execute(update(Lease).values(
                owner="other", until=utcnow() + dt.timedelta(hours=1)))
        async with asyncio.timeout(5):
            while worker.is_leader:  # noqa: ASYNC110 (the worker's own lease loop flips it)
                await asyncio.sleep(0.05)
        sent_at_loss = len(sender.sent)
        await asyncio.sleep(1)
        # only sends already past the chat's window (5/s here) may still complete
        assert len(sender.sent) <= sent_at_loss + 5
    finally:
        await worker.stop()
    assert len(sender.sent) < 30
    async with app.uow() as uow:
        assert await uow.leases.holder("delivery", utcnow()) == "other"


async def test_a_sender_past_its_lease_starts_nothing_even_before_its_lease_loop_runs(app: App) -> None:
    """The worker's clock jumps 10 s (as if the process had slept past its 3 s lease) while
    another process took the lease: not one send starts, then or later; what it held goes
    back to the queue."""
    from sqlalchemy import update

    from storage.models import Lease

    chats = await add_chats(app.uow, ["1"])
    async with app.uow() as uow:
        await uow.outbox.enqueue_many([NewMessage(f"m{n}:1", chats["1"], "alert", text_reply(f"n{n}"))
                                       for n in range(40)], utcnow())
    slept = dt.timedelta(0)
    sender = ScriptedSender()
    worker = OutboxWorker(app.uow, {"telegram": sender},
                          fast_settings(private_per_second=20, leader_ttl_seconds=3),
                          clock=lambda: utcnow() + slept)
    await worker.start()
    try:
        await sender.wait_sent(3)
        slept = dt.timedelta(seconds=10)
        async with app.uow() as uow:  # the other process's lease, on the same clock
            await uow.session.execute(update(Lease).values(
                owner="other", until=utcnow() + slept + dt.timedelta(seconds=3)))
        sent = len(sender.sent)
        async with asyncio.timeout(5):
            while worker.is_leader:  # noqa: ASYNC110 (the worker's own lease loop flips it)
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        assert len(sender.sent) == sent
    finally:
        await worker.stop()
    pending = [r for r in await rows(app.uow) if r.status == "pending"]
    assert len(pending) == 40 - sent and all(r.lease_owner is None for r in pending)


class PartsSender(ScriptedSender):
    """Sends each paragraph as its own message; a 429 after the first part, once."""

    def __init__(self) -> None:
        super().__init__()
        self.fail_after_first = True

    async def send(self, chat_id: str, reply: Reply, *, nonce: str,
                   thread_id: int | str | None = None, pace: Pace | None = None,
                   read_timeout: float | None = None, skip_parts: int = 0,
                   about: About | None = None) -> list[str]:
        ids = []
        for n, block in enumerate(reply.blocks):
            if n < skip_parts:
                continue
            if n == 1 and self.fail_after_first:
                self.fail_after_first = False
                raise RateLimited(1, "chat").after_parts(ids)
            self.sent.append((chat_id, plain_text(Reply((block,)))))
            ids.append(str(len(self.sent)))
        return ids


async def test_a_split_message_resumes_after_the_parts_already_delivered(app: App) -> None:
    chats = await add_chats(app.uow, ["1"])
    payload = ReplyBuilder().para("part one").para("part two").para("part three").build().to_dict()
    async with app.uow() as uow:
        await uow.outbox.enqueue_many([NewMessage("long:1", chats["1"], "digest", payload)], utcnow())
    sender = PartsSender()
    await run_until_settled(OutboxWorker(app.uow, {"telegram": sender}, fast_settings()), app.uow)
    assert sender.texts("1") == ["part one", "part two", "part three"]  # none repeated
    [row] = await rows(app.uow)
    assert row.status == "sent" and row.platform_message_ids == ["1", "2", "3"]
