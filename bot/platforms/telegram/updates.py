"""Inbound Telegram updates -> our Requests and chat records; replies go back via the sender.

Why only these handlers: commands, button presses, the bot's own membership changes and
group migrations are the updates we act on; everything else (stickers, edits, channel posts,
other service messages, commands for other bots) matches no handler and is dropped by PTB,
and ``allowed_updates`` keeps most of it from being fetched at all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from telegram import Chat, Message, Update, User
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackContext,
    CallbackQueryHandler,
    ChatMemberHandler,
    MessageHandler,
    filters,
)

from bot.delivery.policy import Facts, decide
from bot.platforms.base import DeliveryError
from bot.platforms.telegram.send import TelegramSender
from handlers import Reply, Request, chats
from handlers.i18n import normalize_language, t
from handlers.parse import NotForUs, parse_command

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("newsbot.telegram")

PLATFORM = "telegram"
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")
#: a 429 on an interactive reply is waited out once when it is this short (seconds)
MAX_INLINE_WAIT = 5.0


_ADMIN_STATUSES = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)
_GONE_STATUSES = (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)


def topic_of(message: Message) -> int | None:
    """The forum topic a message is in; None in the chat itself (a forum's General topic, or
    a reply thread of an ordinary group, which also carries a message_thread_id)."""
    return message.message_thread_id if message.is_topic_message else None


class UpdateRouter:
    """Translates updates for one App; owns no state but the sender and the bot's username."""

    def __init__(self, app: App, sender: TelegramSender) -> None:
        self.app = app
        self.sender = sender

    @property
    def username(self) -> str:
        return self.sender.bot.username  # known once the Application is initialized

    def handlers(self) -> list[BaseHandler[Update, CallbackContext, None]]:  # type: ignore[type-arg]
        not_channel = ~filters.ChatType.CHANNEL
        return [
            MessageHandler(filters.UpdateType.MESSAGE & filters.COMMAND & not_channel, self.on_command),
            MessageHandler(filters.StatusUpdate.MIGRATE, self.on_migration),
            CallbackQueryHandler(self.on_callback),
            ChatMemberHandler(self.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
        ]

    # ----------------------------------------------------------------- commands
    def request(self, chat: Chat, user: User, command: str, args: str, *,
                page: int = 1, message: Message | None = None,
                thread_id: int | None = None) -> Request:
        replied = message.reply_to_message if message else None
        if message is not None:
            thread_id = topic_of(message)
        # an anonymous group admin writes as the group itself (sender_chat == chat)
        anonymous_admin = bool(message and message.sender_chat and message.sender_chat.id == chat.id)
        return Request(
            platform=PLATFORM, chat_id=str(chat.id), user_id=str(user.id),
            command=command, args=args, chat_kind=chat.type,
            chat_title=chat.title or None, user_name=user.full_name,
            user_language=user.language_code, page=page,
            check_chat_admin=self._admin_check(chat.id, user.id, anonymous_admin),
            replied_text=(replied.text or replied.caption) if replied else None,
            thread_id=str(thread_id) if thread_id is not None else None,
        )

    def _admin_check(self, chat_id: int, user_id: int,
                     anonymous_admin: bool = False) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            if anonymous_admin:
                return True
            try:
                member = await self.sender.bot.get_chat_member(chat_id, user_id)
            except TelegramError as exc:
                log.warning("getChatMember failed", extra={"error": exc.message})
                return False
            return member.status in _ADMIN_STATUSES

        return check

    async def on_command(self, update: Update, context: CallbackContext) -> None:  # type: ignore[type-arg]
        message, chat, user = update.message, update.effective_chat, update.effective_user
        if message is None or chat is None or user is None or not message.text:
            return
        try:
            command, args = parse_command(message.text, self.username)
        except NotForUs:
            return
        addressed = message.text.split(maxsplit=1)[0].find("@") > 0
        if chat.type != Chat.PRIVATE and not addressed and self.app.registry.get(command) is None:
            return  # in a group, a bare unknown command is most likely another bot's
        reply = await self.app.handle(self.request(chat, user, command, args, message=message))
        await self.deliver(chat.id, reply, thread_id=topic_of(message))

    async def deliver(self, chat_id: int, reply: Reply, *, thread_id: int | None = None) -> None:
        """Send an interactive reply, doing inline what the outbox's policy
        (``bot.delivery.policy.decide``) says and can be done at once: wait out a short 429
        and resume where it stopped; follow a group that became a supergroup (once); record
        a chat that is gone. Anything else is logged and the reply dropped (the user can
        ask again)."""
        done: list[str] = []
        facts = Facts()
        for _attempt in range(4):
            try:
                await self.sender.send(str(chat_id), reply, nonce="", thread_id=thread_id,
                                       skip_parts=len(done))
                return
            except DeliveryError as exc:
                error, decision = exc, decide(exc, facts)
            if decision.action == "pause" and decision.delay <= MAX_INLINE_WAIT:
                done += decision.parts
                await asyncio.sleep(decision.delay)
            elif decision.action == "pause":
                log.warning("reply dropped: rate limited", extra={"retry_after": decision.delay})
                return
            elif decision.action == "chat_moved" and decision.new_chat_id is not None:
                await self.migrate(str(chat_id), decision.new_chat_id)
                chat_id, thread_id, done = int(decision.new_chat_id), None, []
                facts = Facts(last_error=decision.error)
            elif decision.action == "chat_gone":
                await self.deactivate(str(chat_id), decision.reason or "")
                return
            else:
                log.warning("reply failed", extra={"error": type(error).__name__,
                                                   "detail": str(error)})
                return
        log.warning("reply dropped after retries")

    # ------------------------------------------------------------------ buttons
    async def on_callback(self, update: Update, context: CallbackContext) -> None:  # type: ignore[type-arg]
        query = update.callback_query
        if query is None:
            return
        user = query.from_user
        decoded = await self.sender.codec.decode(query.data)
        message = query.message
        if not isinstance(message, Message) or not message.is_accessible:
            message = None  # deleted, too old, or never ours: nothing to page in place
        if decoded is None or message is None or self.app.registry.get(decoded[0]) is None:
            lang = normalize_language(user.language_code) or self.app.settings.bot.default_language
            await self._answer(query.answer(t("telegram.stale_button", lang), show_alert=True))
            return
        command, page, args = decoded
        thread = topic_of(message)
        reply = await self.app.handle(self.request(message.chat, user, command, args, page=page,
                                                   thread_id=thread))
        await self._answer(query.answer())
        try:
            if await self.sender.edit(str(message.chat.id), [str(message.message_id)], reply):
                return
        except DeliveryError as exc:
            log.info("edit in place failed, sending anew", extra={"error": type(exc).__name__})
        await self.deliver(message.chat.id, reply, thread_id=thread)

    @staticmethod
    async def _answer(call: Awaitable[bool]) -> None:
        try:
            await call
        except TelegramError as exc:  # e.g. "query is too old": the user waited too long
            log.info("answerCallbackQuery failed", extra={"error": exc.message})

    # --------------------------------------------------------------- membership
    async def on_my_chat_member(self, update: Update, context: CallbackContext) -> None:  # type: ignore[type-arg]
        change = update.my_chat_member
        if change is None:
            return
        chat, status = change.chat, change.new_chat_member.status
        if status in _GONE_STATUSES:
            reason = "blocked" if chat.type == Chat.PRIVATE else status
            await self.deactivate(str(chat.id), reason)
            return
        # added, unblocked, promoted: active again
        await chats.seen(self.app.uow, PLATFORM, str(chat.id), kind=chat.type,
                         title=chat.title or None, now=self.app.deps.clock())
        log.info("bot membership changed", extra={"status": status, "chat_kind": chat.type})

    async def on_migration(self, update: Update, context: CallbackContext) -> None:  # type: ignore[type-arg]
        message = update.effective_message
        if message is None:
            return
        if message.migrate_to_chat_id:
            await self.migrate(str(message.chat.id), str(message.migrate_to_chat_id))
        elif message.migrate_from_chat_id:
            await self.migrate(str(message.migrate_from_chat_id), str(message.chat.id))

    async def deactivate(self, chat_id: str, reason: str) -> None:
        await chats.gone(self.app.uow, PLATFORM, chat_id, reason, self.app.deps.clock())

    async def migrate(self, old_id: str, new_id: str) -> None:
        """Keep the chat's settings under the supergroup's id (idempotent: both updates come)."""
        await chats.moved(self.app.uow, PLATFORM, old_id, new_id)
