"""Building the Updates a test injects into the fake (what users would do in Telegram).

Why a module of its own: updates must be exactly what Telegram sends (bot_command
entities, chat shapes, member objects), because PTB's filters and handlers key on them.
Every built update is checked against the spec, so a malformed injection is a
violation, not a silently unhandled update.
"""

from __future__ import annotations

import itertools
import re
import time
from typing import TYPE_CHECKING, Any

from tests.fakes.telegram_html import utf16_len

if TYPE_CHECKING:
    import asyncio

    from tests.fakes.telegram_spec import BotApiSpec
    from tests.fakes.telegram_state import ChatInfo, SentMessage

_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{1,64})?")


DEFAULT_GROUP_USER = 1000


def _sender(chat_id: int, chat_type: str, user_id: int | None) -> int:
    """Who acts: the given user, the chat's owner in private, else a default member."""
    if user_id is not None:
        return user_id
    return chat_id if chat_type == "private" else DEFAULT_GROUP_USER


class UpdateInjection:
    """push_* helpers; FakeTelegram supplies the state."""

    spec: BotApiSpec
    bot_user: dict[str, Any]
    users: dict[int, dict[str, Any]]
    violations: list[str]
    _update_ids: itertools.count[int]
    _callbacks: set[str]
    _sent: dict[int, list[SentMessage]]
    _updates: list[dict[str, Any]]
    _updates_event: asyncio.Event

    if TYPE_CHECKING:  # provided by TelegramMethods / FakeTelegram

        def chat(self, chat_id: int) -> ChatInfo: ...
        def message_json(self, sent: SentMessage) -> dict[str, Any]: ...
        def block_chat(self, chat_id: int) -> None: ...
        def kick_from_chat(self, chat_id: int) -> None: ...
        def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> None: ...

    def push_update(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Queue any update; update_id is assigned when missing."""
        update = {"update_id": next(self._update_ids), **raw}
        problems = self.spec.check_object("Update", update)
        self.violations.extend(f"pushed update invalid: {p}" for p in problems)
        self._updates.append(update)
        self._wake()
        return update

    def _wake(self) -> None:
        self._updates_event.set()

    def _user(
        self,
        user_id: int,
        first_name: str = "Ana",
        language_code: str | None = "fr",
        username: str | None = None,
    ) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self.users[user_id] = user
        return user

    def _chat_for(
        self, chat_id: int, chat_type: str, chat_title: str | None, user: dict[str, Any]
    ) -> ChatInfo:
        chat = self.chat(chat_id)
        chat.type = chat_type
        if chat_type == "private":
            chat.first_name, chat.username, chat.title = (
                user["first_name"],
                user.get("username"),
                None,
            )
        else:
            chat.title = chat_title or chat.title or f"Chat {chat_id}"
            chat.first_name = None
        return chat

    def push_message(
        self,
        chat_id: int,
        text: str,
        *,
        chat_type: str = "private",
        user_id: int | None = None,
        first_name: str = "Ana",
        language_code: str = "fr",
        username: str | None = None,
        message_thread_id: int | None = None,
        is_topic_message: bool = False,
        chat_title: str | None = None,
    ) -> dict[str, Any]:
        """A user writes ``text`` in a chat (a leading /command gets its entity)."""
        user = self._user(_sender(chat_id, chat_type, user_id), first_name, language_code, username)
        chat = self._chat_for(chat_id, chat_type, chat_title, user)
        if is_topic_message and message_thread_id is not None:
            chat.is_forum = True
            chat.topics.add(message_thread_id)
        message: dict[str, Any] = {
            "message_id": chat.new_message_id(),
            "from": user,
            "chat": chat.as_chat(),
            "date": int(time.time()),
            "text": text,
        }
        command = _COMMAND_RE.match(text)
        if command and (len(text) == command.end() or text[command.end()].isspace()):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command.group())}
            ]
        if message_thread_id is not None:
            message["message_thread_id"] = message_thread_id
        if is_topic_message:
            message["is_topic_message"] = True
        return self.push_update({"message": message})

    def push_callback_query(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        language_code: str = "fr",
    ) -> dict[str, Any]:
        """A user presses an inline button under a message; its query id becomes answerable."""
        user = self._user(_sender(chat_id, chat_type, user_id), language_code=language_code)
        chat = self.chat(chat_id)
        if chat.type != chat_type and chat_type != "private":
            chat.type = chat_type
        known = [m for m in self._sent.get(chat_id, []) if m.message_id == message_id]
        message = (
            self.message_json(known[0])
            if known and not known[0].deleted
            else {"chat": chat.as_chat(), "message_id": message_id, "date": 0}
        )
        query_id = str(next(self._update_ids) * 7919)
        self._callbacks.add(query_id)
        query = {
            "id": query_id,
            "from": user,
            "chat_instance": str(abs(chat_id) * 31),
            "message": message,
            "data": data,
        }
        return self.push_update({"callback_query": query})

    def push_my_chat_member(
        self,
        chat_id: int,
        new_status: str,
        *,
        chat_type: str = "private",
        user_id: int | None = None,
    ) -> dict[str, Any]:
        """The bot's membership changes (user blocks/unblocks it, bot added/kicked)."""
        sender = _sender(chat_id, chat_type, user_id)
        user = self.users.get(sender) or self._user(sender)
        chat = self._chat_for(chat_id, chat_type, None, user)
        old_status = "member" if new_status in ("kicked", "left") else "left"
        if new_status in ("kicked", "left"):
            if chat_type == "private":
                self.chat(chat_id).refusal = None
                self.block_chat(chat_id)
            else:
                self.kick_from_chat(chat_id)
        else:
            chat.refusal = None
        return self.push_update(
            {
                "my_chat_member": {
                    "chat": chat.as_chat(),
                    "from": user,
                    "date": int(time.time()),
                    "old_chat_member": self._bot_member(old_status),
                    "new_chat_member": self._bot_member(new_status),
                }
            }
        )

    def _bot_member(self, status: str) -> dict[str, Any]:
        if status == "kicked":
            return {"status": "kicked", "user": self.bot_user, "until_date": 0}
        if status == "administrator":
            fields = self.spec.types["ChatMemberAdministrator"]["fields"]
            given: dict[str, Any] = {"status": status, "user": self.bot_user}
            given |= {f["name"]: False for f in fields if f["name"].startswith("can_")}
            return self.spec.fill_required("ChatMemberAdministrator", given)
        if status == "restricted":
            restricted = {"status": status, "user": self.bot_user, "until_date": 0}
            return self.spec.fill_required("ChatMemberRestricted", restricted)
        return {"status": status, "user": self.bot_user}

    def push_migration(self, old_chat_id: int, new_chat_id: int) -> dict[str, Any]:
        """A group becomes a supergroup: the service message in the old group."""
        old = self.chat(old_chat_id)
        user = next(iter(self.users.values()), None) or self._user(1000, "Admin")
        self.migrate_chat(old_chat_id, new_chat_id)
        message = {
            "message_id": old.new_message_id(),
            "from": user,
            "chat": old.as_chat(),
            "date": int(time.time()),
            "migrate_to_chat_id": new_chat_id,
        }
        return self.push_update({"message": message})
