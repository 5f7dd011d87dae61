"""/broadcast (confirm step, once per chat, only for its author) and /stats as an admin reads them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.app import App
from handlers.reply import Reply
from storage.models import OutboxMessage
from tests.helpers import send, text_of

OWNER = {"user_id": "local"}


async def subscribe(app: App, platform: str, chat: str, kind: str = "private", *, digest: bool = True,
                    alerts: bool = False, active: bool = True) -> None:
    async with app.uow() as uow:
        row = await uow.chats.touch(platform, chat, kind=kind, title=None)
        sub = await uow.subscriptions.get_or_create(row, dt.datetime.now(dt.UTC))
        sub.digest, sub.alerts = digest, alerts
        if not active:
            await uow.chats.deactivate(row, "blocked")


async def broadcasts(app: App) -> list[OutboxMessage]:
    async with app.uow() as uow:
        return list((await uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "broadcast").order_by(OutboxMessage.id))).all())


def confirm_args(reply: Reply) -> str:
    [button] = reply.buttons
    assert button.command == "broadcast"
    return button.args


async def test_broadcast_previews_then_queues_once_per_active_subscriber(desk: App) -> None:
    await subscribe(desk, "telegram", "11")
    await subscribe(desk, "telegram", "-22", "group", digest=False, alerts=True)
    await subscribe(desk, "discord", "33")
    await subscribe(desk, "telegram", "44", active=False)
    preview = await send(desk, "/broadcast La conférence de presse est avancée à 15 h.\n\n<b>Salle B</b>",
                         **OWNER)
    assert "3 discussions" in await text_of(desk, "/broadcast x", **OWNER)
    assert await broadcasts(desk) == []  # nothing goes out before the confirmation
    args = confirm_args(preview)
    assert "Aucun message en attente" in await text_of(  # another admin cannot send my draft
        desk, f"/broadcast {args}", user_id="1001", platform="telegram")
    assert "3 discussions" in await text_of(desk, f"/broadcast {args}", **OWNER)
    assert "pour 0 discussion." in await text_of(desk, f"/broadcast {args}", **OWNER)  # a second press
    rows = await broadcasts(desk)
    assert len(rows) == 3 and len({r.chat_id for r in rows}) == 3
    assert "<b>Salle B</b>" in str(rows[0].payload["blocks"])  # stored raw; the renderer escapes


async def test_stats_show_subscribers_deliveries_and_queue(desk: App) -> None:
    await subscribe(desk, "telegram", "11", alerts=True)
    await subscribe(desk, "telegram", "12")
    await subscribe(desk, "discord", "-5", "guild", digest=False, alerts=True)
    now = dt.datetime.now(dt.UTC)
    async with desk.uow() as uow:
        chat = await uow.chats.find("telegram", "11")
        assert chat is not None
        for n, (status, sent_at, attempts) in enumerate([("sent", now, 1), ("sent", now - dt.timedelta(days=2), 1),
                                                         ("dead", None, 8), ("pending", None, 2),
                                                         ("pending", None, 0)]):
            uow.session.add(OutboxMessage(dedupe_key=f"t:{n}", chat_id=chat.id, kind="digest", payload={},
                                          status=status, sent_at=sent_at, attempts=attempts))
    text = await text_of(desk, "/stats", lang="en", **OWNER)
    assert "telegram · private: 2 (digest: 2, alerts: 1)" in text
    assert "discord · guild: 1 (digest: 0, alerts: 1)" in text
    assert "1 sent, 1 failed; queue: 2 pending, 1 of them retrying." in text
    assert "No feed polled yet." in text


async def test_drafts_lists_what_waits_for_review(desk: App) -> None:
    assert "Aucun brouillon" in await text_of(desk, "/drafts", **OWNER)
    ids = []
    for n in range(12):
        reply = await send(desk, f"/additem Brouillon {n}\nTexte.", **OWNER)
        ids.append(int(reply.buttons[0].args))
    await send(desk, f"/delitem {ids[0]}", **OWNER)
    await send(desk, f"/publish {ids[1]} confirm", **OWNER)
    first = await send(desk, "/drafts", **OWNER)
    text = await text_of(desk, "/drafts", **OWNER)
    assert "Brouillons (10)" in text and "Brouillon 11" in text and "console:local" in text
    assert [(b.command, b.page) for b in first.buttons] == []  # ten fit on one page
    await send(desk, "/additem Brouillon 12\nTexte.", **OWNER)
    page2 = await text_of(desk, "/drafts", page=2, **OWNER)
    assert "Brouillon 2 —" in page2 and "Brouillon 3" not in page2 and "Page 2/2" in page2
