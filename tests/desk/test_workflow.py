"""The news desk as an admin uses it: add, preview, publish, edit, undo, delete — with audit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.app import App
from storage.models import AuditEntry, Chat, OutboxMessage
from tests.desk.conftest import counts, item_of
from tests.helpers import send, text_of

OWNER = {"user_id": "local"}


async def _last_rev(app: App) -> int:
    async with app.uow() as uow:
        entry = (await uow.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "item.edit").order_by(AuditEntry.id.desc()))).first()
        assert entry is not None
        return entry.id


async def test_add_preview_publish_edit_undo_delete(desk: App) -> None:
    for chat in ("a", "b", "c"):  # the real fan-out: three chats follow every topic
        await text_of(desk, "/subscribe alerts", chat_id=chat, user_id=chat)
    added = await send(desk, "/additem Interpol adopte la résolution topics=cybercrime "
                             "source=“Le Matin” url=https://lematin.ma/a at=2025-11-25T10:00\n"
                             "Premier paragraphe.\n\nSecond paragraphe.", **OWNER)
    text = await text_of(desk, "/audit 1", **OWNER)
    assert not added.is_error
    item_id = int(added.buttons[0].args)
    assert added.buttons[0].command == "publish"
    item = await item_of(desk, item_id)
    assert item.status == "draft" and item.title == {"fr": "Interpol adopte la résolution"}
    assert item.body == {"fr": "Premier paragraphe.\n\nSecond paragraphe."}
    assert item.topics == ["cybercrime"] and item.key and item.key.startswith("item-")
    assert item.published_at == dt.datetime(2025, 11, 25, 9, 0, tzinfo=dt.UTC)  # 10:00 in Casablanca (UTC+1)
    assert f"ajout (nouvelle #{item_id})" in text and "thèmes\u00a0: — → «\u202fcybercrime\u202f»" in text
    # a draft is invisible to readers
    assert "Aucune nouvelle publiée" in await text_of(desk, f"/item {item_id}")

    preview = await send(desk, f"/publish {item_id}", **OWNER)
    assert [(b.command, b.args) for b in preview.buttons] == [("publish", f"{item_id} confirm")]
    assert "Second paragraphe." in await text_of(desk, f"/publish {item_id}", **OWNER)
    assert (await item_of(desk, item_id)).status == "draft"
    done = await text_of(desk, f"/publish {item_id} confirm", **OWNER)
    assert "publiée" in done and "Alertes en file\u00a0: 3" in done
    async with desk.uow() as uow:
        announced = (await uow.session.scalars(
            select(OutboxMessage.item_id).where(OutboxMessage.kind == "alert"))).all()
    assert announced == [item_id] * 3  # this item announced, once per chat
    assert "Le Matin" in await text_of(desk, f"/item {item_id}")
    assert "déjà publiée" in await text_of(desk, f"/publish {item_id} confirm", **OWNER)

    await send(desk, f"/translate {item_id} en\nInterpol adopts the resolution\nFirst paragraph.", **OWNER)
    assert "Interpol adopts the resolution" in await text_of(desk, f"/item {item_id}", lang="en")
    await send(desk, f"/edititem {item_id} title Résolution adoptée à Marrakech", **OWNER)
    assert "Résolution adoptée à Marrakech" in await text_of(desk, f"/item {item_id}")
    assert f"#{item_id}" in await text_of(desk, "/search adoptee marrakech")  # search_doc in sync

    undone = await text_of(desk, "/undo", **OWNER)
    assert f"Annulé (révision #{await _last_rev(desk)})\u00a0: modification (nouvelle #{item_id})" in undone
    assert "titre (fr)\u00a0: «\u202fRésolution adoptée à Marrakech\u202f» → «\u202fInterpol adopte la résolution\u202f»" \
        in undone
    assert (await item_of(desk, item_id)).title["fr"] == "Interpol adopte la résolution"
    assert f"#{item_id}" not in await text_of(desk, "/search adoptee marrakech")

    await send(desk, f"/delitem {item_id}", **OWNER)
    assert "Aucune nouvelle publiée" in await text_of(desk, f"/item {item_id}")
    assert "supprimée" in await text_of(desk, f"/edititem {item_id} title X", **OWNER)
    await send(desk, "/undo", **OWNER)
    assert "Interpol adopte" in await text_of(desk, f"/item {item_id}")

    async with desk.uow() as uow:
        actions = [(e.action, e.user_id) for e in await uow.audit.latest(20)]
        edit = (await uow.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "item.edit").order_by(AuditEntry.id.desc()))).first()
    assert [a for a, _ in actions[:7]] == ["undo", "item.delete", "undo", "item.edit",
                                           "item.translate", "item.publish", "item.add"]
    assert all(u == "local" for _, u in actions[:7])
    assert edit is not None and edit.before and edit.after
    # the English title, translated before this edit, now needs translation
    assert edit.fields == ["title.fr", "stale/title.en"] and edit.language == "fr"
    assert edit.before == {"title.fr": "Interpol adopte la résolution"}
    assert edit.after == {"title.fr": "Résolution adoptée à Marrakech", "stale/title.en": True}
    audit = await text_of(desk, "/audit 3", **OWNER)
    assert "annulation de la révision" in audit and f"suppression (nouvelle #{item_id})" in audit


async def test_undo_is_per_user_and_limited_in_time(desk: App) -> None:
    await send(desk, "/admin add 42", **OWNER)
    await send(desk, "/edititem 3 title Titre changé", user_id="42")
    assert "Rien à annuler" in await text_of(desk, "/undo", **OWNER)
    desk.deps.clock = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    assert "Rien à annuler" in await text_of(desk, "/undo", user_id="42")
    desk.deps.clock = lambda: dt.datetime.now(dt.UTC)
    assert "Annulé" in await text_of(desk, "/undo", user_id="42")
    assert (await item_of(desk, 3)).title["fr"] != "Titre changé"


async def test_additem_in_reply_to_a_forwarded_message(desk: App) -> None:
    from handlers import Request

    reply = await desk.handle(Request(
        platform="telegram", chat_id="1001", user_id="1001", command="additem", args="lang=en topics=governance",
        replied_text="Executive Committee elected\nThe Assembly elected a new committee.\x07",
    ))
    item = await item_of(desk, int(reply.buttons[0].args))
    assert item.title == {"en": "Executive Committee elected"}
    assert item.body == {"en": "The Assembly elected a new committee."}
    assert item.created_by == "telegram:1001"


async def test_editing_a_delivered_item_queues_edits_or_notices(desk: App) -> None:
    now = dt.datetime.now(dt.UTC)
    async with desk.uow() as uow:
        fresh = Chat(platform="telegram", platform_chat_id="501", kind="private", language="en")
        old = Chat(platform="telegram", platform_chat_id="502", kind="group")
        uow.session.add_all([fresh, old])
        await uow.session.flush()
        for chat, sent, ids in ((fresh, now - dt.timedelta(hours=1), ["77"]),
                                (old, now - dt.timedelta(hours=72), ["78"])):
            uow.session.add(OutboxMessage(dedupe_key=f"alert:{chat.id}:2", chat_id=chat.id, kind="alert",
                                          item_id=2, payload={"blocks": []}, status="sent",
                                          platform_message_ids=ids, sent_at=sent))
    reply = await text_of(desk, "/edititem 2 title.en Corrected headline", **OWNER)
    assert "1 message corrigé sur place, 1 avis de correction" in reply
    async with desk.uow() as uow:
        rows = (await uow.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind.in_(("edit", "correction"))).order_by(OutboxMessage.kind))).all()
    edit, notice = rows[1], rows[0]
    assert edit.kind == "edit" and edit.payload["edit_message_ids"] == ["77"]
    assert "Corrected headline" in str(edit.payload["blocks"])
    assert notice.kind == "correction" and "a été corrigée" in str(notice.payload["blocks"])
    before = await counts(desk)
    await send(desk, "/edititem 2 topics governance", **OWNER)  # a second change: new rows
    assert (await counts(desk))["outbox"] == before["outbox"] + 2


async def test_one_line_title_and_body_for_discord(desk: App) -> None:
    reply = await send(desk, "/additem Comité élu topics=governance // Le vote a eu lieu. Il était serré.",
                       platform="discord", user_id="2001")
    item = await item_of(desk, int(reply.buttons[0].args))
    assert item.title == {"fr": "Comité élu"} and item.body == {"fr": "Le vote a eu lieu. Il était serré."}
    await send(desk, f"/translate {item.id} en Committee elected // The vote took place.",
               platform="discord", user_id="2001")
    assert (await item_of(desk, item.id)).body["en"] == "The vote took place."


async def test_undo_takes_back_agenda_participant_and_resolution_edits(desk: App) -> None:
    assert "Modifié" in await text_of(desk, "/editsession opening-ceremony day 2025-11-26", **OWNER)
    assert "Modifié" in await text_of(desk, "/setresolution status draft", **OWNER)
    assert "projet" in await text_of(desk, "/resolution")
    assert "modification (résolution #1)" in await text_of(desk, "/undo", **OWNER)
    assert "adoptée" in await text_of(desk, "/resolution")
    assert "modification (séance" in await text_of(desk, "/undo", **OWNER)
    assert "Cérémonie d’ouverture" in await text_of(desk, "/agenda lundi")
    assert "Rien à annuler" in await text_of(desk, "/undo", **OWNER)


async def test_publish_says_how_many_alerts_quiet_hours_hold(desk: App) -> None:
    night = dt.datetime(2025, 11, 24, 22, 30, tzinfo=dt.UTC)  # 23:30 in Casablanca
    desk.deps.clock = lambda: night
    for chat in ("day", "night", "late"):
        await text_of(desk, "/subscribe alerts", chat_id=chat, user_id=chat)
    await text_of(desk, "/settings quiet 22:00-07:00", chat_id="night", user_id="night")
    await text_of(desk, "/settings quiet 23:00-06:00", chat_id="late", user_id="late")
    await text_of(desk, "/settings quiet 08:00-12:00", chat_id="day", user_id="day")  # not now
    first = int((await send(desk, "/additem Arrestations à Casablanca\nTexte.", **OWNER)).buttons[0].args)
    done = await text_of(desk, f"/publish {first} confirm", **OWNER)
    assert f"Nouvelle #{first} publiée. Alertes en file\u00a0: 3, dont 2 retenues par les heures " \
           "calmes des abonnés." in done
    second = int((await send(desk, "/additem Arrests in Casablanca lang=en\nText.", lang="en",
                             **OWNER)).buttons[0].args)
    await text_of(desk, "/settings quiet off", chat_id="late", user_id="late")
    done = await text_of(desk, f"/publish {second} confirm", lang="en", **OWNER)
    assert f"News item #{second} published. Alerts queued: 3, 1 of them held by the " \
           "subscribers' quiet hours." in done


async def test_publish_confirmed_in_spanish_or_arabic(desk: App) -> None:
    """The confirm word in any of the bot's languages (handlers.words.CONFIRM)."""
    ids = []
    for title in ("Primera", "Segunda"):
        added = await send(desk, f"/additem {title} topics=cybercrime\nTexto.", **OWNER)
        ids.append(int(added.buttons[0].args))
    await send(desk, f"/publish {ids[0]}", **OWNER)
    assert "publiée" in await text_of(desk, f"/publish {ids[0]} confirmar", **OWNER)
    await send(desk, f"/publish {ids[1]}", **OWNER)
    refused = await send(desk, f"/publish {ids[1]} quizás", **OWNER)
    assert refused.is_error
    assert "publiée" in await text_of(desk, f"/publish {ids[1]} تأكيد", **OWNER)
    assert [(await item_of(desk, i)).status for i in ids] == ["published", "published"]
