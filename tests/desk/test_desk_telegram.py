"""The news desk from a phone, end to end: real PTB against the strict Telegram fake.

A multi-line /additem, the preview's buttons (publish, then confirm), /additem in reply to a
forwarded post, and a stranger refused — as an admin and a reader would see it in Telegram.
"""

from __future__ import annotations

import time

from sqlalchemy import select

from storage.models import NewsItem
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_fixtures import fake_telegram
from tests.telegram_harness import running_bot

__all__ = ["fake_telegram"]

OWNER, STRANGER = 1001, 1002


async def test_an_owner_writes_previews_and_publishes_from_the_phone(fake_telegram: FakeTelegram,
                                                                   db_url: str) -> None:
    async with running_bot(fake_telegram, db_url, owners=[str(OWNER)]) as bot:
        [draft] = await bot.say(OWNER, "/additem Interpol élit son comité <b>exécutif</b>\n"
                                       "topics: governance\nsource: “Le Matin”\n\n"
                                       "Le vote a eu lieu à Marrakech.")
        assert "Brouillon #" in draft.text and "Le vote a eu lieu à Marrakech." in draft.text
        assert "Interpol élit son comité <b>exécutif</b>" in draft.text  # shown literally
        assert "Le Matin" in draft.text
        await bot.press(OWNER, draft)  # "Publier…" under the draft -> the preview, with its confirm button
        await bot.until_text(OWNER, "Aperçu\u00a0: voici ce que verront les abonnés.")
        preview = next(m for m in fake_telegram.messages(OWNER) if "Aperçu" in m.text)
        await bot.press(OWNER, preview)  # confirm
        await bot.until_text(OWNER, "publiée")
        async with bot.app.uow() as uow:
            item = (await uow.session.scalars(select(NewsItem).order_by(NewsItem.id.desc()))).first()
        assert item is not None and item.status == "published" and item.topics == ["governance"]
        [reader_view] = await bot.say(STRANGER, f"/item {item.id}")
        assert "Interpol élit son comité" in reader_view.text

        refused = await bot.say(STRANGER, "/additem Faux\nTexte")
        assert "réservée aux administrateurs" in refused[0].text


async def test_additem_in_reply_to_a_forwarded_post(fake_telegram: FakeTelegram, db_url: str) -> None:
    async with running_bot(fake_telegram, db_url, owners=[str(OWNER)]) as bot:
        before = len(fake_telegram.messages(OWNER))
        update = fake_telegram.push_message(OWNER, "/additem lang=en topics=cybercrime")
        message = update.get("message", update)
        message["reply_to_message"] = {
            "message_id": 1, "date": int(time.time()), "chat": message["chat"], "from": message["from"],
            "text": "UN Cybercrime Convention: INTERPOL urges ratification\nMember countries are asked to ratify.",
        }
        await bot.deliver()
        [reply] = (await fake_telegram.wait_for_messages(OWNER, before + 1))[before:]
        assert "UN Cybercrime Convention: INTERPOL urges ratification" in reply.text
        assert "Member countries are asked to ratify." in reply.text


async def test_undo_from_the_phone_takes_back_only_the_publish(fake_telegram: FakeTelegram,
                                                               db_url: str) -> None:
    """The issue's scenario, typed in Telegram: add, translate, publish, /undo."""
    async with running_bot(fake_telegram, db_url, owners=[str(OWNER)]) as bot:
        [draft] = await bot.say(OWNER, "/additem Titre <i>initial</i> source=MAP\nTexte initial.")
        item_id = int(draft.text.split("Brouillon #", 1)[1].split()[0])
        await bot.say(OWNER, f"/translate {item_id} en\nInitial title\nInitial text.")
        await bot.say(OWNER, f"/publish {item_id}")
        await bot.say(OWNER, f"/publish {item_id} confirm")
        [undone] = await bot.say(OWNER, "/undo")
        assert f"publication (nouvelle #{item_id})" in undone.text
        assert "retirée (redevenue brouillon)" in undone.text
        async with bot.app.uow() as uow:
            item = await uow.session.get(NewsItem, item_id)
        assert item is not None and item.status == "draft"
        assert item.title == {"fr": "Titre <i>initial</i>", "en": "Initial title"}
        [history] = await bot.say(OWNER, f"/history item {item_id}")
        assert "titre (en)\u00a0: — → «\u202fInitial title\u202f»" in history.text
