"""Telegram edge cases: webhook secret, hostile content, ignored updates, membership, migration,
forged buttons. The fake fails a test on any spec violation (fixture teardown)."""

from __future__ import annotations

import time
from typing import Any

from bot.app import App
from bot.platforms.telegram.render import utf16_len
from handlers.base import Command, Deps, Request
from handlers.reply import Reply, ReplyBuilder
from storage.models import Chat, NewsItem, utcnow
from storage.text import search_doc
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_fixtures import fake_telegram
from tests.helpers import command_texts
from tests.telegram_harness import SECRET, Harness, eventually, running_bot

__all__ = ["fake_telegram"]

PRIVATE = 1001
GROUP = -2002
BOT = "assembly_news_bot"
HOSTILE_TITLE = "Zorglub <b>urgent</b> &amp; <script>alert(1)</script> *gras* _it_ [lien](x) 🇲🇦👮‍♀️"
RTL = "مراكش تستضيف الجمعية العامة — עברית \u202eRTL\u202c"


async def chat_row(bot: Harness, chat_id: int) -> Chat | None:
    async with bot.app.uow() as uow:
        return await uow.chats.find("telegram", str(chat_id))


async def test_webhook_refuses_a_wrong_or_missing_secret(fake_telegram: FakeTelegram,
                                                         db_url: str) -> None:
    async with running_bot(fake_telegram, db_url, "webhook") as bot:
        assert fake_telegram.webhook and fake_telegram.webhook["secret_token"] == SECRET
        update = fake_telegram.push_message(PRIVATE, "/start")
        assert await fake_telegram.post_webhook_raw(update, "wrong") == 403
        assert await fake_telegram.post_webhook_raw(update, None) == 403
        await bot.deliver()  # now with the right secret
        await fake_telegram.wait_for_messages(PRIVATE, 1)
        await bot.say(PRIVATE, "/help")
        # the refused posts were not processed: one reply to /start, one to /help
        assert len(fake_telegram.messages(PRIVATE)) == 2


async def add_item(bot: Harness, title: str, body: str) -> int:
    async with bot.app.uow() as uow:
        item = NewsItem(
            status="published", topics=[], title={"fr": title, "en": title},
            body={"fr": body, "en": body}, search_doc=search_doc({"fr": title}, {"fr": body}),
            published_at=utcnow(),
        )
        await uow.items.add(item)
        return item.id


async def test_hostile_content_is_shown_literally_and_split(fake_telegram: FakeTelegram,
                                                            db_url: str) -> None:
    unit = f"{HOSTILE_TITLE} {RTL} **[x]** `code` & < > "
    long_body = (unit * (10_000 // len(unit) + 1))[:10_000]
    async with running_bot(fake_telegram, db_url) as bot:
        short_id = await add_item(bot, HOSTILE_TITLE, f"{RTL}\n\n<i>pas</i> du HTML & *markdown*")
        long_id = await add_item(bot, f"Long {RTL}", long_body)

        [short] = await bot.say(PRIVATE, f"/item {short_id}")
        assert short.text.startswith(HOSTILE_TITLE)
        assert RTL in short.text and "<i>pas</i> du HTML & *markdown*" in short.text
        assert short.entities[0] == {"type": "bold", "offset": 0, "length": utf16_len(HOSTILE_TITLE)}

        parts = await bot.say(PRIVATE, f"/item {long_id}", n=3)  # at least 3 parts
        assert parts[0].text.startswith(f"Long {RTL}")  # the heading opens the first part
        await bot.until_text(PRIVATE, long_body[-30:].strip())  # the last part arrived
        parts = fake_telegram.messages(PRIVATE)[1:]
        assert all(utf16_len(m.text) <= 4096 for m in parts)
        shown = "".join("".join(m.text.split()) for m in parts)
        assert "".join(long_body.split()) in shown  # every character, in order, nothing escaped

        found = await bot.say(PRIVATE, "/search zorglub")
        assert HOSTILE_TITLE in found[0].text
        sent_html = [c.params["text"] for c in bot.calls("sendMessage")]
        assert not any("<script>" in h for h in sent_html)


def sticker_message(tg: FakeTelegram, chat_id: int) -> dict[str, Any]:
    return {
        "message_id": 900, "date": int(time.time()), "chat": tg.chat(chat_id).as_chat(),
        "from": {"id": chat_id, "is_bot": False, "first_name": "Ana"},
        "sticker": {"file_id": "s1", "file_unique_id": "u1", "type": "regular", "width": 512,
                    "height": 512, "is_animated": False, "is_video": False},
    }


async def test_updates_not_for_us_are_ignored(fake_telegram: FakeTelegram, db_url: str) -> None:
    async with running_bot(fake_telegram, db_url, "webhook", concurrent_updates=1) as bot:
        await bot.say(GROUP, f"/start@{BOT}", chat_type="group")
        command = fake_telegram.push_message(PRIVATE, "/start")["message"]
        edited = {**command, "edit_date": int(time.time()), "text": "/help"}
        channel = {**sticker_message(fake_telegram, -100777), "text": "/start"}
        channel["chat"] = {"id": -100777, "type": "channel", "title": "Canal"}
        del channel["sticker"], channel["from"]
        joined = {**sticker_message(fake_telegram, GROUP),
                  "new_chat_members": [{"id": 5, "is_bot": False, "first_name": "Bo"}]}
        del joined["sticker"]
        for raw in (
            {"message": sticker_message(fake_telegram, PRIVATE)},
            {"edited_message": edited},
            {"channel_post": channel},
            {"message": joined},
        ):
            update = fake_telegram.push_update(raw)
            assert await fake_telegram.post_webhook_raw(update, SECRET) == 200
        fake_telegram.push_message(GROUP, "/start@other_bot", chat_type="group")
        fake_telegram.push_message(GROUP, "/weather", chat_type="group")  # another bot's command
        fake_telegram.push_message(GROUP, "bonjour à tous", chat_type="group")
        await bot.say(GROUP, f"/help@{BOT}", chat_type="group")
        await bot.say(PRIVATE, "/about")
        assert len(fake_telegram.messages(GROUP)) == 2  # /start and /help
        assert len(fake_telegram.messages(PRIVATE)) == 2  # the queued /start and /about
        assert len(fake_telegram.messages(-100777)) == 0
        assert bot.calls("sendMessage")[-1].params["chat_id"] == PRIVATE


async def test_unknown_command_in_private_gets_help(fake_telegram: FakeTelegram,
                                                    db_url: str) -> None:
    async with running_bot(fake_telegram, db_url) as bot:
        [reply] = await bot.say(PRIVATE, "/weather")
        assert "/help" in reply.text and "weather" in reply.text


async def test_blocked_kicked_and_added_are_recorded(fake_telegram: FakeTelegram,
                                                     db_url: str) -> None:
    async with running_bot(fake_telegram, db_url) as bot:
        await bot.say(PRIVATE, "/start")
        await bot.say(GROUP, f"/start@{BOT}", chat_type="group")

        fake_telegram.push_my_chat_member(PRIVATE, "kicked")
        fake_telegram.push_my_chat_member(GROUP, "left", chat_type="group")

        async def both_inactive() -> bool:
            rows = [await chat_row(bot, PRIVATE), await chat_row(bot, GROUP)]
            return all(r is not None and not r.active for r in rows)

        await eventually(both_inactive)
        private = await chat_row(bot, PRIVATE)
        assert private is not None and private.inactive_reason == "blocked"

        fake_telegram.push_my_chat_member(PRIVATE, "member")
        fake_telegram.push_my_chat_member(-4004, "member", chat_type="group")  # added to a group

        async def active_again() -> bool:
            rows = [await chat_row(bot, PRIVATE), await chat_row(bot, -4004)]
            return all(r is not None and r.active for r in rows)

        await eventually(active_again)


async def test_a_reply_refused_with_403_marks_the_chat_inactive(fake_telegram: FakeTelegram,
                                                                db_url: str) -> None:
    async with running_bot(fake_telegram, db_url) as bot:
        await bot.say(PRIVATE, "/start")
        fake_telegram.block_chat(PRIVATE)  # blocked right after sending /help
        fake_telegram.push_message(PRIVATE, "/help")

        async def inactive() -> bool:
            row = await chat_row(bot, PRIVATE)
            return row is not None and not row.active

        await eventually(inactive)


async def test_group_upgraded_to_supergroup_keeps_its_settings(fake_telegram: FakeTelegram,
                                                               db_url: str) -> None:
    new_id = -1002002
    async with running_bot(fake_telegram, db_url) as bot:
        fake_telegram.set_chat_admins(GROUP, [1000])  # the group's admin (the default sender)
        await bot.say(GROUP, f"/lang@{BOT} en", chat_type="group")
        fake_telegram.push_migration(GROUP, new_id)

        async def moved() -> bool:
            return await chat_row(bot, new_id) is not None

        await eventually(moved)
        row = await chat_row(bot, new_id)
        assert row is not None and row.language == "en" and row.kind == "supergroup"
        assert await chat_row(bot, GROUP) is None
        [reply] = await bot.say(new_id, f"/help@{BOT}", chat_type="supergroup")
        assert "The agenda, by day or topic" in reply.text


async def test_forged_or_stale_buttons_get_a_polite_answer(fake_telegram: FakeTelegram,
                                                           db_url: str) -> None:
    async with running_bot(fake_telegram, db_url) as bot:
        [message] = await bot.say(PRIVATE, "/agenda", language_code="en")
        forged = ["evil|1|x", "agenda|notanumber|", "~0123456789abcdef", "<b>|1|", "", "rm -rf /"]
        for data in forged:
            fake_telegram.push_callback_query(PRIVATE, message.message_id, data, language_code="en")
        fake_telegram.push_callback_query(PRIVATE, 999, "agenda|2|", language_code="en")  # not ours

        async def all_answered() -> bool:
            return len(bot.calls("answerCallbackQuery")) == len(forged) + 1

        await eventually(all_answered)
        answers = bot.calls("answerCallbackQuery")
        assert all(c.status == 200 for c in answers)
        assert all("expired" in c.params.get("text", "") for c in answers)
        sent = fake_telegram.messages(PRIVATE)
        assert len(sent) == 1 and not sent[0].edited, fake_telegram.dump()


def add_test_commands(app: App) -> None:
    """An admin command and one that asks Telegram whether the user administers the chat."""

    async def secret(req: Request, deps: Deps) -> Reply:
        return ReplyBuilder().para("admin only").build()

    async def am_i_admin(req: Request, deps: Deps) -> Reply:
        assert req.check_chat_admin is not None
        return ReplyBuilder().para(f"chat admin: {await req.check_chat_admin()}").build()

    text = {"fr": "Réservé", "en": "Restricted"}
    app.registry.add(Command("secret", secret, "/secret", admin=True,
                             catalog=command_texts("secret", text, text)))
    app.registry.add(Command("amiadmin", am_i_admin, "/amiadmin",
                             catalog=command_texts("amiadmin", text, text)))


async def test_owners_menu_admin_commands_and_chat_admin_check(fake_telegram: FakeTelegram,
                                                               db_url: str) -> None:
    owner, other = 1001, 1002
    async with running_bot(fake_telegram, db_url, prepare=add_test_commands,
                           owners=[str(owner)]) as bot:
        owner_menu = [c["command"] for c in fake_telegram.commands[("chat", "")]]
        public_menu = [c["command"] for c in fake_telegram.commands[("default", "")]]
        assert "secret" in owner_menu and "secret" not in public_menu
        scopes = [c.params.get("scope", {}) for c in bot.calls("setMyCommands")]
        assert [s["chat_id"] for s in scopes if s.get("type") == "chat"] == [owner]

        [allowed] = await bot.say(owner, "/secret")
        [refused] = await bot.say(other, "/secret")
        assert allowed.text == "admin only" and "admin" in refused.text and refused.text != "admin only"

        fake_telegram.set_chat_admins(GROUP, [2000], creator=3000)
        for user, expected in ((2000, True), (3000, True), (4000, False)):
            [reply] = await bot.say(GROUP, f"/amiadmin@{BOT}", chat_type="supergroup", user_id=user)
            assert reply.text == f"chat admin: {expected}"
        # an anonymous admin posts as the group itself, from Telegram's GroupAnonymousBot
        group = fake_telegram.chat(GROUP).as_chat()
        command = f"/amiadmin@{BOT}"
        fake_telegram.push_update({"message": {
            "message_id": 4242, "date": int(time.time()), "chat": group, "sender_chat": group,
            "from": {"id": 1087968824, "is_bot": True, "first_name": "Group",
                     "username": "GroupAnonymousBot"},
            "text": command, "entities": [{"type": "bot_command", "offset": 0,
                                           "length": len(command)}],
        }})
        sent = await fake_telegram.wait_for_messages(GROUP, 4)
        assert sent[-1].text == "chat admin: True"


async def test_a_long_reply_paced_by_429s_arrives_whole_and_once(fake_telegram: FakeTelegram,
                                                                 db_url: str) -> None:
    body = " ".join(f"mot{n}" for n in range(1500))  # ~8,400 characters: 3 parts
    async with running_bot(fake_telegram, db_url) as bot:
        item_id = await add_item(bot, "Longue", body)
        fake_telegram.limits.enabled = True  # Telegram's 1 message/s in a private chat
        fake_telegram.push_message(PRIVATE, f"/item {item_id}")
        await bot.until_text(PRIVATE, "mot1499")
        sent = fake_telegram.messages(PRIVATE)
        assert fake_telegram.count_429 >= 1
        assert len(sent) == 3 and sent[0].text.startswith("Longue")
        shown = " ".join(m.text for m in sent)
        assert all(shown.count(f"mot{n} ") == 1 for n in (0, 700, 1400))


async def test_a_reply_to_a_migrated_group_follows_it(fake_telegram: FakeTelegram,
                                                      db_url: str) -> None:
    new_id = -1009876
    async with running_bot(fake_telegram, db_url) as bot:
        fake_telegram.set_chat_admins(GROUP, [1000])  # the group's admin (the default sender)
        await bot.say(GROUP, f"/lang@{BOT} en", chat_type="group")
        fake_telegram.migrate_chat(GROUP, new_id)  # the service message has not reached us yet
        fake_telegram.push_message(GROUP, f"/help@{BOT}", chat_type="group")
        [reply] = await fake_telegram.wait_for_messages(new_id, 1)
        assert "The agenda, by day or topic" in reply.text
        row = await chat_row(bot, new_id)
        assert row is not None and row.language == "en"
