"""Many chats and subscriptions at once, for delivery tests and benchmarks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from sqlalchemy import insert, select

from storage.models import Chat, Subscription
from storage.uow import UnitOfWork


async def add_subscribed_chats(
    uow_factory: Callable[[], UnitOfWork], chat_ids: Sequence[int], *, created: dt.datetime,
    next_digest_at: dt.datetime, platform: str = "telegram", language: str = "en",
    digest_time: str = "08:00", timezone: str = "Africa/Casablanca", alerts: bool = False,
) -> dict[int, int]:
    """Telegram-style ids (negative = group) -> our chat ids, each with a digest subscription."""
    out: dict[int, int] = {}
    async with uow_factory() as uow:
        for i in range(0, len(chat_ids), 1000):
            part = chat_ids[i:i + 1000]
            await uow.session.execute(insert(Chat), [
                {"platform": platform, "platform_chat_id": str(c), "language": language,
                 "kind": "private" if c > 0 else "group", "timezone": timezone, "active": True,
                 "created_at": created} for c in part])
        rows = (await uow.session.execute(
            select(Chat.platform_chat_id, Chat.id).where(Chat.platform == platform))).all()
        ids = {int(p): i for p, i in rows if int(p) in set(chat_ids)}
        subs = [{"chat_id": ids[c], "digest": True, "alerts": alerts, "digest_time": digest_time,
                 "digest_topics": [], "alerts_topics": [],
                 "notify_empty": True, "last_digest_at": created,
                 "next_digest_at": next_digest_at, "created_at": created, "updated_at": created}
                for c in chat_ids]
        for i in range(0, len(subs), 1000):
            await uow.session.execute(insert(Subscription), subs[i:i + 1000])
        out.update(ids)
    return out
