"""The fan-out layer's seams: one batched enqueue, the doorbell, late copies withdrawn by the
scheduler's job, and a process without delivery that publishes without alerts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.app import App
from bot.config import DigestSection
from bot.scheduler import DigestScheduler
from bot.service import delivery_components
from handlers.fanout import Doorbell, Fanout
from handlers.fanout.broadcast import queue_broadcast
from handlers.fanout.corrections import withdraw_late_copies
from handlers.reply import Reply, plain_text
from storage.models import OutboxMessage, utcnow
from storage.outbox import NewMessage
from tests.desk.conftest import desk_settings
from tests.helpers import send, text_of
from tests.outbox_support import rows

OWNER = {"user_id": "local"}


@pytest.fixture
async def desk(db_url: str) -> AsyncIterator[App]:
    async with App(desk_settings(db_url)) as a:
        yield a


async def _publish(app: App, title: str) -> int:
    item_id = int((await send(app, f"/additem {title}\nTexte.", **OWNER)).buttons[0].args)
    assert "publiée" in await text_of(app, f"/publish {item_id} confirm", **OWNER)
    return item_id


async def test_enqueue_many_inserts_in_batches_once_per_key(desk: App) -> None:
    async with desk.uow() as uow:
        chat = await uow.chats.touch("console", "reader", kind="private", title=None)
        messages = [NewMessage(f"k:{n}", chat.id, "digest", {"blocks": []}) for n in range(5)]
        now = utcnow()
        assert await uow.outbox.enqueue_many(iter(messages), now, batch_size=2) == {
            f"k:{n}" for n in range(5)}
        # a replay inserts nothing; a new key among old ones is the only one returned
        again = [*messages, NewMessage("k:new", chat.id, "digest", {"blocks": []})]
        assert await uow.outbox.enqueue_many(again, now, batch_size=2) == {"k:new"}
        assert await uow.outbox.enqueue_many([], now) == set()
    assert sorted(r.dedupe_key for r in await rows(desk.uow)) == [
        "k:0", "k:1", "k:2", "k:3", "k:4", "k:new"]
    assert all(r.next_attempt_at == now and r.status == "pending" for r in await rows(desk.uow))


async def test_doorbell_wakes_a_waiter_once_per_rings() -> None:
    bell = Doorbell()
    assert await bell.wait(0.01) is False
    bell.ring()
    bell.ring()
    assert await bell.wait(0) is True  # rung before the wait: no waiting, the rings used up
    assert await bell.wait(0.01) is False
    waiter = asyncio.create_task(bell.wait(10))
    await asyncio.sleep(0)
    bell.ring()
    assert await waiter is True


async def test_the_worker_waits_on_the_apps_doorbell(desk: App) -> None:
    """The composition root hands the App's doorbell to the worker: a fan-out's ring wakes it
    (no wake callback attached afterwards)."""
    from bot.service import delivery_components

    [_scheduler, worker] = delivery_components(desk)
    assert worker.doorbell is desk.doorbell


async def test_fanout_rings_once_its_rows_are_committed_not_before_nor_on_rollback(
        desk: App) -> None:
    await text_of(desk, "/subscribe alerts", chat_id="reader", user_id="reader")
    rung: list[int] = []
    fanout = Fanout(wake=lambda: rung.append(1))
    async with desk.uow() as uow:
        assert await queue_broadcast(uow, fanout, 1, "Bonjour.") == 1
        assert rung == []  # not committed yet: the worker would find nothing
    assert rung == [1]
    with pytest.raises(RuntimeError):
        async with desk.uow() as uow:
            assert await queue_broadcast(uow, fanout, 2, "Bonjour.") == 1
            raise RuntimeError("rolled back")
    assert rung == [1]
    async with desk.uow() as uow:  # a replay queues nothing and rings nobody
        assert await queue_broadcast(uow, fanout, 1, "Bonjour.") == 0
    assert rung == [1]


async def test_app_rings_its_doorbell_when_publish_queues_alerts(desk: App) -> None:
    await text_of(desk, "/subscribe alerts", chat_id="reader", user_id="reader")
    await desk.doorbell.wait(0)
    await _publish(desk, "Alerte sonnée")
    assert await desk.doorbell.wait(0) is True


async def test_an_item_deleted_while_its_alert_is_sent_gets_its_late_copy_withdrawn_by_the_scheduler(
        desk: App) -> None:
    await text_of(desk, "/subscribe alerts", chat_id="reader", user_id="reader")
    item_id = await _publish(desk, "Annonce en route")
    now = utcnow()
    async with desk.uow() as uow:  # a sender takes the alert and starts sending it
        [claimed] = await uow.outbox.claim("sender-1", now, 60, 10, ["console"])
    assert claimed.item_id == item_id and claimed.kind == "alert"
    reply = await text_of(desk, f"/delitem {item_id}", **OWNER)
    assert "avis de retrait" not in reply  # nothing delivered yet, and the alert is held
    async with desk.uow() as uow:  # the platform took it: recorded as sent after the delete
        assert await uow.outbox.mark_sent(claimed.id, "sender-1", ["m-1"], utcnow())
    await desk.doorbell.wait(0)
    scheduler = DigestScheduler(desk.uow, DigestSection(tick_seconds=3600), desk.deps.fanout,
                                withdraw_seconds=0.05)
    await scheduler.start()
    try:
        async with asyncio.timeout(10):
            assert await desk.doorbell.wait(10)  # the edit is queued: the worker is told
    finally:
        await scheduler.stop()
    [edit] = [r for r in await rows(desk.uow) if r.kind == "edit"]
    assert edit.payload["edit_of"] == claimed.id and edit.payload["edit_message_ids"] == ["m-1"]
    assert "a été retirée" in plain_text(Reply.from_dict(edit.payload))
    async with desk.uow() as uow:  # idempotent: the next look adds nothing
        assert await withdraw_late_copies(uow, desk.deps.fanout) == 0
    assert len([r for r in await rows(desk.uow) if r.kind == "edit"]) == 1


async def test_late_copies_look_starts_where_the_last_one_ended(desk: App) -> None:
    await text_of(desk, "/subscribe alerts", chat_id="reader", user_id="reader")
    item_id = await _publish(desk, "Annonce en route")
    async with desk.uow() as uow:
        [claimed] = await uow.outbox.claim("sender-1", utcnow(), 60, 10, ["console"])
        assert await withdraw_late_copies(uow, desk.deps.fanout) == 0  # nothing sent yet
    await text_of(desk, f"/delitem {item_id}", **OWNER)
    async with desk.uow() as uow:
        await uow.outbox.mark_sent(claimed.id, "sender-1", ["m-1"], utcnow())
    async with desk.uow() as uow:
        assert await withdraw_late_copies(uow, desk.deps.fanout) == 1


async def test_a_process_without_delivery_publishes_without_alerts(db_url: str) -> None:
    async with App(desk_settings(db_url, delivery={"enabled": False})) as app:
        assert app.deps.fanout.alerts is False
        assert delivery_components(app) == []
        await text_of(app, "/subscribe alerts", chat_id="reader", user_id="reader")
        item_id = int((await send(app, "/additem Sans alerte\nTexte.", **OWNER)).buttons[0].args)
        done = await text_of(app, f"/publish {item_id} confirm", **OWNER)
        assert "pas d’alertes" in done
        async with app.uow() as uow:
            item = await uow.items.get(item_id)
            assert item is not None and item.status == "published"
            alerts = (await uow.session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "alert"))).all()
        assert alerts == []
        assert f"#{item_id}" in await text_of(app, "/news")
