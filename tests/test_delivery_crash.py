"""Delivery processes killed with SIGKILL mid fan-out, restarted, two senders on PostgreSQL,
and a sender frozen (SIGSTOP) past its lease beside the one that took over.

Each bot process is ``python -m bot deliver`` (the sender-only mode) against the strict fake
Telegram in this test's process; the fake's limits and the bot's are raised together
(400/s overall, 10/s per private chat) so a 2,000-chat digest takes seconds. Telegram has no
idempotency key, so the bound under test is: after a kill, the only repeats are messages
the fake accepted that the killed process had not yet recorded — at most ``max_in_flight``.
A frozen sender repeats nothing if it wakes within a TTL of the takeover (it records what it
had in flight), and at most what it had in flight if it wakes later; it starts no send once
its lease has run out.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.app import App
from handlers.fanout.digests import plan_digests
from storage.models import OutboxMessage, Subscription, utcnow
from storage.uow import UnitOfWork
from tests.bulk import add_subscribed_chats
from tests.conftest import ROOT
from tests.fakes.telegram_api import FakeTelegram, TelegramLimits
from tests.fakes.telegram_fixtures import fake_telegram

__all__ = ["fake_telegram"]

IN_FLIGHT = 16
NOW = dt.datetime(2025, 11, 25, 7, 1, tzinfo=dt.UTC)
SINCE = dt.datetime(2025, 11, 24, 7, 0, tzinfo=dt.UTC)


def env_for(tg: FakeTelegram, db_url: str, data_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "NEWSBOT_TELEGRAM__TOKEN": tg.token,
        "NEWSBOT_TELEGRAM__BASE_URL": tg.base_url,
        "NEWSBOT_DATABASE__URL": db_url,
        "NEWSBOT_BOT__SEED_ON_START": "false",
        "NEWSBOT_DELIVERY__GLOBAL_PER_SECOND": "400",
        "NEWSBOT_DELIVERY__PRIVATE_PER_SECOND": "10",
        "NEWSBOT_DELIVERY__GROUP_PER_MINUTE": "600",
        "NEWSBOT_DELIVERY__MAX_IN_FLIGHT": str(IN_FLIGHT),
        "NEWSBOT_DELIVERY__LEADER_TTL_SECONDS": "2",
        "NEWSBOT_DELIVERY__POLL_SECONDS": "0.1",
        # the processes' instance identities (bot/instance.py): all in the same folder
        "NEWSBOT_BOT__DATA_DIR": str(data_dir),
    }
    env.pop("NEWSBOT_CONFIG", None)
    return env


async def start_bot(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "deliver", cwd=ROOT, env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def stop_bot(proc: asyncio.subprocess.Process) -> str:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    return err.decode()


def delivered(tg: FakeTelegram) -> int:
    return sum(1 for c in tg.calls if c.method == "sendMessage" and c.status == 200)


async def wait_for(predicate: object, timeout: float, what: str) -> None:  # noqa: ASYNC109
    assert callable(predicate)
    try:
        async with asyncio.timeout(timeout):
            while not await predicate():  # noqa: ASYNC110 (state in another process)
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


async def fan_out(app: App, n_private: int, n_groups: int) -> list[int]:
    """A digest due for every chat, enqueued by the scheduler's own code."""
    ids = list(range(10_000, 10_000 + n_private)) + [-(20_000 + i) for i in range(n_groups)]
    await add_subscribed_chats(app.uow, ids, created=SINCE, next_digest_at=SINCE + dt.timedelta(days=1))
    report = await plan_digests(app.uow, NOW, grace=dt.timedelta(hours=6), default_language="en")
    assert report.enqueued == len(ids)
    async with app.uow() as uow:  # the bot's own ticks (real clock) must not add digests
        await uow.session.execute(update(Subscription).values(digest=False))
    return ids


async def counts(uow_factory: object) -> dict[str, int]:
    assert callable(uow_factory)
    uow: UnitOfWork
    async with uow_factory() as uow:
        rows = (await uow.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))).all()
    return {s: int(n) for s, n in rows}


async def senders_of_sent_rows(app: App) -> Counter[str]:
    async with app.uow() as uow:
        rows = (await uow.session.execute(
            select(OutboxMessage.lease_owner, func.count())
            .where(OutboxMessage.status == "sent").group_by(OutboxMessage.lease_owner))).all()
    return Counter({str(o): int(n) for o, n in rows})


def per_chat(tg: FakeTelegram, ids: list[int]) -> Counter[int]:
    return Counter({c: len(tg.messages(c)) for c in ids})


@pytest.mark.slow
async def test_sigkill_mid_fanout_then_restart_delivers_everything(
        app: App, db_url: str, fake_telegram: FakeTelegram, tmp_path: Path) -> None:
    tg = fake_telegram
    tg.limits = TelegramLimits(global_per_second=400, private_per_second=10, group_per_minute=600)
    ids = await fan_out(app, 1900, 100)
    env = env_for(tg, db_url, tmp_path / "state")
    first = await start_bot(env)
    try:
        await wait_for(lambda: _ge(delivered(tg), 600), 60, "600 sends")
    finally:
        first.kill()  # SIGKILL: no cleanup at all
        await first.wait()
    await asyncio.sleep(0.3)  # answers the fake was writing when the process died
    at_kill = delivered(tg)
    recorded = (await counts(app.uow)).get("sent", 0)
    unrecorded = at_kill - recorded
    assert 0 <= unrecorded <= IN_FLIGHT
    assert at_kill < len(ids)  # killed in the middle

    second = await start_bot(env)
    try:
        await wait_for(lambda: _eq(counts(app.uow), {"sent": len(ids)}), 90, "all sent")
    finally:
        log = await stop_bot(second)
    assert second.returncode == 0, log
    got = per_chat(tg, ids)
    assert min(got.values()) == 1  # every chat has its digest
    duplicates = sum(got.values()) - len(ids)
    assert duplicates == unrecorded <= IN_FLIGHT
    assert tg.count_429 == 0


@pytest.mark.slow
async def test_two_senders_on_postgresql_one_at_a_time_and_takeover(
        app: App, db_url: str, fake_telegram: FakeTelegram, tmp_path: Path) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("several sender processes share one PostgreSQL database")
    tg = fake_telegram
    tg.limits = TelegramLimits(global_per_second=400, private_per_second=10, group_per_minute=600)
    ids = await fan_out(app, 1200, 0)
    env = env_for(tg, db_url, tmp_path / "state")
    a, b = await start_bot(env), await start_bot(env)
    procs = {a.pid: a, b.pid: b}
    try:
        await wait_for(lambda: _ge(delivered(tg), 400), 60, "400 sends")
        owners = await senders_of_sent_rows(app)
        assert len(owners) == 1, owners  # one active sender at a time
        [leader_owner] = owners
        leader_pid = int(leader_owner.split("-")[-2])
        leader = procs.pop(leader_pid)
        [standby] = procs.values()
        leader.kill()
        await leader.wait()
        await asyncio.sleep(0.3)
        unrecorded = delivered(tg) - (await counts(app.uow)).get("sent", 0)
        assert 0 <= unrecorded <= IN_FLIGHT
        await wait_for(lambda: _eq(counts(app.uow), {"sent": len(ids)}), 90, "all sent")
    finally:
        for p in (a, b):
            if p.returncode is None:
                await stop_bot(p)
    owners = await senders_of_sent_rows(app)
    assert set(owners) == {leader_owner, *(o for o in owners if o != leader_owner)}
    assert len(owners) == 2 and all(int(o.split("-")[-2]) in (a.pid, b.pid) for o in owners)
    got = per_chat(tg, ids)
    assert min(got.values()) == 1
    assert sum(got.values()) - len(ids) == unrecorded
    assert standby.returncode == 0
    assert tg.count_429 == 0


@pytest.mark.slow
async def test_a_sender_restarted_after_sigkill_takes_its_own_lease_back_at_once(
        app: App, db_url: str, fake_telegram: FakeTelegram, tmp_path: Path) -> None:
    """The killed sender's lease would hold for an hour: its restart (same host, same data
    folder) knows the lease is its own dead run's and sends at once."""
    tg = fake_telegram
    tg.limits = TelegramLimits(global_per_second=400, private_per_second=10, group_per_minute=600)
    ids = await fan_out(app, 600, 0)
    env = {**env_for(tg, db_url, tmp_path / "state"),
           "NEWSBOT_DELIVERY__LEADER_TTL_SECONDS": "3600"}
    first = await start_bot(env)
    try:
        await wait_for(lambda: _ge(delivered(tg), 200), 60, "200 sends")
    finally:
        first.kill()
        await first.wait()
    await asyncio.sleep(0.3)
    unrecorded = delivered(tg) - (await counts(app.uow)).get("sent", 0)
    second = await start_bot(env)
    try:
        await wait_for(lambda: _eq(counts(app.uow), {"sent": len(ids)}), 60, "all sent")
    finally:
        log = await stop_bot(second)
    assert second.returncode == 0, log
    owners = await senders_of_sent_rows(app)
    assert len(owners) == 2
    # the same instance identity (host and slot), two processes
    assert len({o.rsplit("-", 2)[0] for o in owners}) == 1, owners
    got = per_chat(tg, ids)
    assert min(got.values()) == 1 and sum(got.values()) - len(ids) == unrecorded


async def _held(app: App) -> bool:
    return await holder(app) is not None


async def _ge(value: int, n: int) -> bool:
    return value >= n


async def _eq(awaitable: object, expected: dict[str, int]) -> bool:
    return await awaitable == expected  # type: ignore[misc]


async def holder(app: App) -> str | None:
    async with app.uow() as uow:
        return await uow.leases.holder("delivery", utcnow())


async def recorded_by(app: App, owner: str) -> int:
    return (await senders_of_sent_rows(app)).get(owner, 0)


@pytest.mark.slow
@pytest.mark.parametrize("woken", ["within the takeover's grace", "long after"])
async def test_a_sender_frozen_past_its_lease_sends_nothing_beside_the_new_one(
        app: App, db_url: str, fake_telegram: FakeTelegram, woken: str, tmp_path: Path) -> None:
    """Two ``deliver`` processes; the leader is frozen (SIGSTOP), the other takes over; the
    frozen one is woken (SIGCONT) within a TTL of the takeover (its sends in flight then: the
    fake answers 0.2 s late) or long after (full speed, its windows open when it wakes)."""
    tg = fake_telegram
    tg.limits = TelegramLimits(global_per_second=400, private_per_second=10, group_per_minute=600)
    within = woken.startswith("within")
    # the new sender's grace is one TTL: the woken one records its sends in flight within
    # it; a longer TTL there leaves a loaded machine (CI: both cores busy) time to do so
    ttl = 4.0 if within else 2.0
    if within:
        tg.answer_late(0.2)
    ids = await fan_out(app, 600, 0)
    env = env_for(tg, db_url, tmp_path / "state")
    env["NEWSBOT_DELIVERY__LEADER_TTL_SECONDS"] = str(ttl)
    a, b = await start_bot(env), await start_bot(env)
    procs = {a.pid: a, b.pid: b}
    try:
        for attempt in range(5):
            goal = 150 + 50 * attempt
            await wait_for(lambda: _ge(delivered(tg), goal), 60, "sends")  # noqa: B023
            # a renewal in progress can leave the lease row unheld for a moment
            await wait_for(lambda: _held(app), 10, "a lease holder")
            frozen_owner = await holder(app)
            assert frozen_owner is not None
            frozen = procs[int(frozen_owner.split("-")[-2])]
            frozen.send_signal(signal.SIGSTOP)
            await asyncio.sleep(0.3)  # the fake takes in what was on its way
            at_freeze = delivered(tg)
            by_frozen = await recorded_by(app, frozen_owner)
            in_flight = at_freeze - (await counts(app.uow)).get("sent", 0)
            assert 0 <= in_flight <= IN_FLIGHT
            try:
                await wait_for(lambda: _taken_from(app, frozen_owner), 3 * ttl,  # noqa: B023
                               "the takeover")
                break
            except AssertionError:
                # frozen inside a write transaction: on SQLite nobody else can write until
                # it wakes (on PostgreSQL, until the server ends the transaction after a
                # minute): wake it, let it go on, freeze it again
                frozen.send_signal(signal.SIGCONT)
        else:
            raise AssertionError("no takeover after 5 freezes")
        await asyncio.sleep(0.3 if within else 1.5 * ttl)
        frozen.send_signal(signal.SIGCONT)
        await wait_for(lambda: _eq(counts(app.uow), {"sent": len(ids)}), 90, "all sent")
        await asyncio.sleep(0.5)  # anything the woken one would still send
    finally:
        for p in (a, b):
            if p.returncode is None:
                p.send_signal(signal.SIGCONT)
                await stop_bot(p)
    got = per_chat(tg, ids)
    duplicates = sum(got.values()) - len(ids)
    assert min(got.values()) == 1
    # the woken sender starts no send beside the new one: only a send it had started but not
    # yet written when frozen (at most max_in_flight, less those the fake had) can reach
    # the fake once it wakes, and find the window full
    assert tg.count_429 <= IN_FLIGHT - in_flight
    if within:
        assert duplicates == 0
        # what it had in flight when frozen, it recorded on waking: nobody sent it again
        # (the fake had taken in_flight of them 0.3 s after the freeze; on a loaded machine
        # a few more may still have been on their way to it, never more than the window)
        assert (by_frozen + in_flight <= await recorded_by(app, frozen_owner)
                <= by_frozen + IN_FLIGHT)
    else:  # like a crash: at most the sends in flight (started, not recorded) when frozen,
        # which includes any whose request had not reached the fake yet
        assert duplicates <= IN_FLIGHT
    assert all(p.returncode == 0 for p in (a, b))


async def _taken_from(app: App, owner: str) -> bool:
    return await holder(app) not in (None, owner)
