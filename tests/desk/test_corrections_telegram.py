"""A correction reaches readers on Telegram: the alert already delivered is edited in place
(the fake Bot API checks every call against the spec), an old copy gets a correction notice,
and a copy that can no longer be edited in place gets the notice instead."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import pytest_asyncio
from sqlalchemy import update
from telegram import Bot

from bot.app import App
from bot.config import DigestSection
from bot.delivery import OutboxWorker
from bot.platforms.telegram.send import TelegramSender
from bot.scheduler import DigestScheduler
from storage.models import OutboxMessage
from tests.desk.conftest import desk_settings
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_fixtures import fake_telegram
from tests.helpers import send, text_of
from tests.outbox_support import fast_settings, rows, run_until_settled

__all__ = ["fake_telegram"]

T = TypeVar("T")

FRESH, OLD = 7001, 7002
OWNER = {"user_id": "local"}

@pytest_asyncio.fixture
async def newsroom(fake_telegram: FakeTelegram, db_url: str) -> AsyncIterator[tuple[App, TelegramSender]]:
    fake_telegram.limits.enabled = False
    async with App(desk_settings(db_url)) as app, \
            Bot(fake_telegram.token, base_url=fake_telegram.base_url) as bot:
        for chat in (FRESH, OLD):
            fake_telegram.push_message(chat, "/start")  # the fake learns the private chat
            async with app.uow() as uow:
                row = await uow.chats.touch("telegram", str(chat), kind="private", title=None)
                sub = await uow.subscriptions.get_or_create(row, dt.datetime.now(dt.UTC))
                sub.alerts = True
        yield app, TelegramSender(bot)


async def published(app: App, title_and_body: str) -> int:
    """An item added and published by the owner (its alerts queued); returns its id."""
    title, body = title_and_body.split("\n", 1)
    added = await send(app, f"/additem {title} topics=governance\n{body}", **OWNER)
    item_id = int(added.buttons[0].args)
    await send(app, f"/publish {item_id} confirm", **OWNER)
    return item_id


async def deliver(app: App, sender: TelegramSender) -> None:
    worker = OutboxWorker(app.uow, {"telegram": sender}, fast_settings())
    await run_until_settled(worker, app.uow)


async def test_correction_edits_fresh_copies_and_notifies_old_ones(
        fake_telegram: FakeTelegram, newsroom: tuple[App, TelegramSender]) -> None:
    app, sender = newsroom
    added = await send(app, "/additem Interpol élit son comité topics=governance\nLe vote a eu lieu.", **OWNER)
    item_id = int(added.buttons[0].args)
    assert "Alertes en file\u00a0: 2" in await text_of(app, f"/publish {item_id} confirm", **OWNER)
    await deliver(app, sender)
    [fresh_alert] = fake_telegram.messages(FRESH)
    [old_alert] = fake_telegram.messages(OLD)
    assert "Interpol élit son comité" in fresh_alert.text and old_alert.text == fresh_alert.text
    async with app.uow() as uow:  # the second chat got its alert three days ago
        await uow.session.execute(update(OutboxMessage).where(
            OutboxMessage.dedupe_key.like(f"alert:{item_id}:%"),
            OutboxMessage.chat_id == (await uow.chats.find("telegram", str(OLD))).id,  # type: ignore[union-attr]
        ).values(sent_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=72)))

    reply = await text_of(app, f"/edititem {item_id} title Interpol élit son nouveau comité exécutif", **OWNER)
    assert "1 message corrigé sur place, 1 avis de correction" in reply
    await deliver(app, sender)

    [edited] = fake_telegram.messages(FRESH)  # no new message: the alert itself changed
    assert edited.message_id == fresh_alert.message_id and edited.edited
    assert "Interpol élit son nouveau comité exécutif" in edited.text and "(mise à jour)" in edited.text
    old_alert_now, notice = fake_telegram.messages(OLD)
    assert not old_alert_now.edited and "Interpol élit son comité" in old_alert_now.text
    assert "Correction" in notice.text and f"/item {item_id}" in notice.text
    assert all(r.status == "sent" for r in await rows(app.uow))


async def test_a_copy_that_cannot_be_edited_gets_the_notice(
        fake_telegram: FakeTelegram, newsroom: tuple[App, TelegramSender]) -> None:
    app, sender = newsroom
    item_id = await published(app, "Bref\nCourt.")
    await deliver(app, sender)
    assert len(fake_telegram.messages(FRESH)) == 1
    # the corrected item no longer fits in one Telegram message: editing in place is impossible
    long_body = "\n\n".join(f"Paragraphe {n} " + "mot " * 180 for n in range(8))[:3980]
    await send(app, f"/edititem {item_id} body {long_body}", **OWNER)
    await deliver(app, sender)
    original, notice = fake_telegram.messages(FRESH)
    assert not original.edited and "Court." in original.text
    assert "Correction" in notice.text and f"/item {item_id}" in notice.text
    assert not any(c.method == "editMessageText" for c in fake_telegram.calls)


async def test_deleting_a_published_item_withdraws_it_and_undo_brings_it_back(
        fake_telegram: FakeTelegram, newsroom: tuple[App, TelegramSender]) -> None:
    app, sender = newsroom
    item_id = await published(app, "Fausse annonce\nLe texte erroné.")
    async with app.uow() as uow:  # the second chat's alert waits for the end of its quiet hours
        old_chat = await uow.chats.find("telegram", str(OLD))
        assert old_chat is not None
        await uow.session.execute(update(OutboxMessage).where(
            OutboxMessage.dedupe_key == f"alert:{item_id}:{old_chat.id}",
        ).values(next_attempt_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=6)))
    await deliver_due(app, sender)
    [alert] = fake_telegram.messages(FRESH)
    assert "Le texte erroné." in alert.text and fake_telegram.messages(OLD) == []

    reply = await text_of(app, f"/delitem {item_id}", **OWNER)
    assert ("1 alerte en attente annulée, 1 message remplacé par un avis de retrait, "
            "0 avis de retrait envoyé.") in reply
    await deliver_due(app, sender)
    [withdrawn] = fake_telegram.messages(FRESH)  # the alert itself now says it was withdrawn
    assert withdrawn.message_id == alert.message_id and withdrawn.edited
    assert "Retrait" in withdrawn.text and "retirée" in withdrawn.text
    assert "Le texte erroné." not in withdrawn.text
    held = [r for r in await rows(app.uow) if r.chat_id == old_chat.id]
    assert [(r.status, (r.last_error or "")[:9]) for r in held] == [("dead", "withdrawn")]

    reply = await text_of(app, "/undo", **OWNER)
    assert "1 alerte annulée par la suppression remise en file" in reply
    async with app.uow() as uow:  # quiet hours are over
        await uow.session.execute(update(OutboxMessage).where(
            OutboxMessage.chat_id == old_chat.id).values(next_attempt_at=dt.datetime.now(dt.UTC)))
    await deliver_due(app, sender)
    [restored] = fake_telegram.messages(FRESH)
    assert "Le texte erroné." in restored.text and "(mise à jour)" in restored.text
    [late_alert] = fake_telegram.messages(OLD)
    assert "Le texte erroné." in late_alert.text


async def deliver_due(app: App, sender: TelegramSender) -> None:
    """Run the worker until every row due now is handled (held ones stay pending)."""
    worker = OutboxWorker(app.uow, {"telegram": sender}, fast_settings())
    await worker.start()
    try:
        for _ in range(200):
            async with app.uow() as uow:
                due = (await uow.outbox.stats(dt.datetime.now(dt.UTC)))["due"]
            if not due:  # rows in flight stay pending (due) until their outcome is recorded
                break
            await asyncio.sleep(0.05)
    finally:
        await worker.stop()


async def test_an_alert_already_claimed_by_the_sender_is_withdrawn_too(
        fake_telegram: FakeTelegram, newsroom: tuple[App, TelegramSender]) -> None:
    """The sender holds both alerts and sends one a second: the item is deleted between the
    two, so the second never goes out (and /undo sends it after all)."""
    app, sender = newsroom
    item_id = await published(app, "Annonce retirée\nTexte à retirer.")
    worker = OutboxWorker(app.uow, {"telegram": sender},
                          fast_settings(global_per_second=1, margin_seconds=0.0))
    await worker.start()
    try:
        await eventually(lambda: rows(app.uow), lambda rs: any(r.status == "sent" for r in rs))
        [first] = [c for c in (FRESH, OLD) if fake_telegram.messages(c)]
        second = OLD if first == FRESH else FRESH
        reply = await text_of(app, f"/delitem {item_id}", **OWNER)
        assert "1 message remplacé par un avis de retrait" in reply
        # the worker drops the claimed one and sends the edit
        await eventually(lambda: rows(app.uow),
                         lambda _: any(m.edited for m in fake_telegram.messages(first)))
        await asyncio.sleep(1.2)  # past the moment the second alert was due to go out
        assert fake_telegram.messages(second) == []
        assert "retirée" in fake_telegram.messages(first)[0].text
        withdrawn = [r for r in await rows(app.uow) if r.status == "dead"]
        assert [(r.kind, r.last_error) for r in withdrawn] == [("alert", "withdrawn: item deleted")]

        assert "1 alerte annulée par la suppression remise en file" in \
            await text_of(app, "/undo", **OWNER)
        worker.wake()
        [late] = await fake_telegram.wait_for_messages(second, timeout=10)
        assert "Texte à retirer." in late.text
    finally:
        await worker.stop()


async def eventually(fetch: Callable[[], Awaitable[T]], check: Callable[[T], bool],
                     timeout: float = 10) -> None:  # noqa: ASYNC109
    """Poll ``fetch`` until ``check`` holds on what it returns (or fail after ``timeout``)."""
    async with asyncio.timeout(timeout):
        while True:
            if check(await fetch()):
                return
            await asyncio.sleep(0.02)


def late_copies(app: App, every: float) -> DigestScheduler:
    """The fan-out's look for late copies of deleted items, run by the scheduler as the
    service runs it (``withdraw_late_copies``, bot/service.py); its first look is at start."""
    return DigestScheduler(app.uow, DigestSection(tick_seconds=3600), app.deps.fanout,
                           withdraw_seconds=every)


async def test_a_late_copy_recorded_just_before_a_restart_is_withdrawn_by_the_next_sender(
        fake_telegram: FakeTelegram, newsroom: tuple[App, TelegramSender]) -> None:
    """As below, but the process stops right after recording the late copy, before its next
    look: the next one (a restart, or another replica) reads what was sent since the last
    look from the database, and withdraws it. (One subscriber: no other copy of the item
    makes the next sender look at it for its own reasons.)"""
    app, sender = newsroom
    async with app.uow() as uow:
        chat = await uow.chats.find("telegram", str(OLD))
        sub = await uow.subscriptions.for_chat(chat.id)  # type: ignore[union-attr]
        sub.alerts = False  # type: ignore[union-attr]
    item_id = await published(app, "Annonce en route\nTexte parti trop tôt.")
    fake_telegram.hang_next("sendMessage", 0.6)

    def sender_worker(poll: float) -> OutboxWorker:
        return OutboxWorker(app.uow, {"telegram": sender}, fast_settings(
            global_per_second=1, margin_seconds=0.0, poll_seconds=poll))

    first_sender = sender_worker(poll=30)  # its next look would be 30 s away
    first_look = late_copies(app, every=30)
    await first_look.start()
    await first_sender.start()
    try:
        await eventually(lambda: asyncio.sleep(0, fake_telegram.calls),
                         lambda calls: any(c.method == "sendMessage" for c in calls))
        assert "avis de retrait" not in await text_of(app, f"/delitem {item_id}", **OWNER)
        await eventually(lambda: rows(app.uow), lambda rs: any(r.status == "sent" for r in rs))
    finally:
        await first_sender.stop()
        await first_look.stop()
    first = next(c.params["chat_id"] for c in fake_telegram.calls if c.method == "sendMessage")
    assert "Texte parti trop tôt." in fake_telegram.messages(first)[0].text  # went out late
    second_sender = sender_worker(poll=0.02)
    next_look = late_copies(app, every=0.02)
    await second_sender.start()
    await next_look.start()
    try:
        await eventually(lambda: asyncio.sleep(0, fake_telegram.messages(first)),
                         lambda sent: bool(sent) and sent[0].edited)
        [withdrawn] = fake_telegram.messages(first)
        assert "retirée" in withdrawn.text and "Texte parti trop tôt." not in withdrawn.text
    finally:
        await next_look.stop()
        await second_sender.stop()
    assert first == FRESH and fake_telegram.messages(OLD) == []


async def test_a_copy_on_its_way_when_the_item_is_deleted_is_withdrawn_once_delivered(
        fake_telegram: FakeTelegram, newsroom: tuple[App, TelegramSender]) -> None:
    """The first alert is at Telegram (slow to answer) when the item is deleted: the delete
    cannot see it, the fan-out's next look withdraws it as soon as it is recorded."""
    app, sender = newsroom
    item_id = await published(app, "Annonce en route\nTexte parti trop tôt.")
    fake_telegram.hang_next("sendMessage", 0.6)
    worker = OutboxWorker(app.uow, {"telegram": sender},
                          fast_settings(global_per_second=1, margin_seconds=0.0))
    look = late_copies(app, every=0.05)
    await worker.start()
    await look.start()
    try:
        await eventually(lambda: asyncio.sleep(0, fake_telegram.calls),
                         lambda calls: any(c.method == "sendMessage" for c in calls))
        reply = await text_of(app, f"/delitem {item_id}", **OWNER)
        assert "avis de retrait" not in reply  # nothing delivered yet, nothing held
        first = next(c.params["chat_id"] for c in fake_telegram.calls if c.method == "sendMessage")
        await eventually(lambda: asyncio.sleep(0, fake_telegram.messages(first)),
                         lambda sent: bool(sent) and sent[0].edited)
        [withdrawn] = fake_telegram.messages(first)
        assert "retirée" in withdrawn.text and "Texte parti trop tôt." not in withdrawn.text
        second = OLD if first == FRESH else FRESH
        await asyncio.sleep(1.2)
        assert fake_telegram.messages(second) == []
    finally:
        await look.stop()
        await worker.stop()


async def test_withdrawing_a_two_part_alert_counts_what_readers_get(
        fake_telegram: FakeTelegram, newsroom: tuple[App, TelegramSender]) -> None:
    """A one-message withdrawal cannot replace an alert of two messages: each reader gets a
    new notice, and the owner is told so; /undo tells them the item is back."""
    app, sender = newsroom
    added = await send(app, "/additem Longue annonce topics=governance\nCourt.", **OWNER)
    item_id = int(added.buttons[0].args)
    async with app.uow() as uow:  # a body of 6,000 characters (the input path is tested apart)
        item = await uow.items.get(item_id)
        assert item is not None
        item.body = {"fr": "\n\n".join(f"Paragraphe {n} " + "mot " * 240 for n in range(6))}
    await send(app, f"/publish {item_id} confirm", **OWNER)
    await deliver_due(app, sender)
    assert len(fake_telegram.messages(FRESH)) == 2  # the alert took two messages

    reply = await text_of(app, f"/delitem {item_id}", **OWNER)
    assert "0 message remplacé par un avis de retrait, 2 avis de retrait envoyés" in reply
    await deliver_due(app, sender)
    *alert_parts, notice = fake_telegram.messages(FRESH)
    assert len(alert_parts) == 2 and "Retrait" in notice.text
    assert not any(c.method == "editMessageText" for c in fake_telegram.calls)

    back = await text_of(app, "/undo", **OWNER)
    assert "Lecteurs\u00a0: 0 message rétabli sur place, 2 avis de retour envoyés" in back
    await deliver_due(app, sender)
    last = fake_telegram.messages(FRESH)[-1]
    assert "Rétablie" in last.text and "est de nouveau publiée" in last.text
