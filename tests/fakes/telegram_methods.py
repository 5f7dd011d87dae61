"""Bot API methods of the fake, with Telegram's refusals and their exact texts.

Kept apart from the HTTP server (telegram_api.py) so each method reads as the rule it
enforces. Handlers get decoded parameters and return the ``result`` or raise ApiError.
"""

from __future__ import annotations

import asyncio
import re
import time
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from tests.fakes.telegram_html import HtmlParseError, parse_html, strip_message, utf16_len
from tests.fakes.telegram_state import ApiError, ChatInfo, SentMessage, bad_request

if TYPE_CHECKING:
    from tests.fakes.telegram_spec import BotApiSpec
    from tests.fakes.telegram_state import Call

_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_URL_RE = re.compile(r"(https?|tg)://\S+")
_CHAT_ACTIONS = {
    "typing", "upload_photo", "record_video", "upload_video", "record_voice",
    "upload_voice", "upload_document", "choose_sticker", "find_location",
    "record_video_note", "upload_video_note",
}  # fmt: skip
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


def _checked_message(
    text: str, entities: list[dict[str, Any]]
) -> tuple[str, list[dict[str, Any]]]:
    """Trim like Telegram, then refuse an empty or too long message (Telegram's texts)."""
    text, entities = strip_message(text, entities)
    if not text:
        raise bad_request("message text is empty")
    if utf16_len(text) > 4096:
        raise bad_request("message is too long")
    return text, entities


def _render_html(
    raw: str,
) -> tuple[str, tuple[dict[str, Any], ...], tuple[int, str] | None]:
    """(text, entities, None) of an HTML message, or ("", (), (status, description)) of
    Telegram's refusal. A pure function of ``raw``: parse, trim, then the length checks.
    The refusal is kept as data, not as an exception object, so a cached one is re-raised
    fresh each time."""
    try:
        text, entities = _checked_message(*parse_html(raw))
    except HtmlParseError as exc:
        return "", (), (400, f"Bad Request: can't parse entities: {exc}")
    except ApiError as exc:
        return "", (), (exc.status, exc.description)
    return text, tuple(entities), None


# Bounded: enough for the distinct texts of a digest run, small enough to never matter.
_render_html_cached = lru_cache(maxsize=256)(_render_html)


class TelegramMethods:
    """Method handlers; FakeTelegram supplies the state they use."""

    spec: BotApiSpec
    token: str
    bot_user: dict[str, Any]
    chats: dict[int, ChatInfo]
    users: dict[int, dict[str, Any]]
    commands: dict[tuple[str, str], list[dict[str, str]]]
    menu_buttons: dict[int | None, dict[str, Any]]
    violations: list[str]
    calls: list[Call]
    _sent: dict[int, list[SentMessage]]
    _callbacks: set[str]
    _messages_event: asyncio.Event
    webhook: dict[str, Any] | None

    # ------------------------------------------------------------------- chats
    def chat(self, chat_id: int) -> ChatInfo:
        if chat_id not in self.chats:
            self.chats[chat_id] = ChatInfo.implicit(chat_id)
        return self.chats[chat_id]

    def _target(self, chat_ref: Any) -> ChatInfo:
        """Resolve chat_id (int or @username) and apply the chat's refusal, if any."""
        if isinstance(chat_ref, str):
            found = [c for c in self.chats.values() if c.username and f"@{c.username}" == chat_ref]
            if not found:
                raise bad_request("chat not found")
            chat = found[0]
        else:
            chat = self.chat(chat_ref)
        if chat.refusal is not None:
            raise chat.refusal
        return chat

    def _bot_message(self, chat: ChatInfo, message_id: Any, verb: str) -> SentMessage:
        for sent in self._sent.get(chat.id, []):
            if sent.message_id == message_id and not sent.deleted:
                return sent
        raise bad_request(f"message to {verb} not found")

    # ---------------------------------------------------------------- rendering
    def _render(self, params: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        raw = params.get("text", "")
        mode = params.get("parse_mode")
        if mode is None:
            text, entities = raw, list(params.get("entities") or [])
        elif mode.lower() == "html":
            # Every step of the HTML path depends on the text alone, so it is memoized: a
            # digest sends the same text to thousands of chats. Same result, same errors.
            render = _render_html_cached if isinstance(raw, str) else _render_html
            text, frozen, error = render(raw)
            if error is not None:
                raise ApiError(*error)
            # Fresh dicts per call: SentMessage keeps them and tests may inspect or change
            # them, which must never reach the shared cached value.
            return text, [dict(entity) for entity in frozen]
        else:
            self.violations.append(f"parse_mode {mode!r} is not supported by the fake")
            text, entities = raw, []
        return _checked_message(text, entities)

    def _check_markup(self, markup: dict[str, Any] | None) -> None:
        if not markup or "inline_keyboard" not in markup:
            return
        actions = {f["name"] for f in self.spec.types["InlineKeyboardButton"]["fields"]}
        actions -= {"text", "style", "icon_custom_emoji_id"}
        for row in markup["inline_keyboard"]:
            for button in row:
                if not isinstance(button, dict):
                    continue
                if not str(button.get("text", "")).strip():
                    raise bad_request("BUTTON_TEXT_INVALID")
                data = button.get("callback_data")
                if isinstance(data, str) and len(data.encode()) > 64:
                    raise bad_request("BUTTON_DATA_INVALID")
                if not any(button.get(name) not in (None, "") for name in actions):
                    raise bad_request(
                        "can't parse inline keyboard button: "
                        "Text buttons are unallowed in the inline keyboard"
                    )
                if "url" in button and not _URL_RE.fullmatch(str(button["url"])):
                    raise bad_request("BUTTON_URL_INVALID")

    def message_json(self, sent: SentMessage) -> dict[str, Any]:
        chat = self.chat(sent.chat_id)
        message: dict[str, Any] = {
            "message_id": sent.message_id,
            "from": self.bot_user,
            "chat": chat.as_chat(),
            "date": sent.date,
            "text": sent.text,
        }
        if sent.document is not None:
            name, mime, data = sent.document
            del message["text"]
            message["document"] = {"file_id": f"doc-{sent.chat_id}-{sent.message_id}",
                                   "file_unique_id": f"u{sent.message_id}", "file_name": name,
                                   "mime_type": mime, "file_size": len(data)}
        if sent.entities:
            message["entities"] = sent.entities
        if sent.reply_markup and "inline_keyboard" in sent.reply_markup:
            message["reply_markup"] = sent.reply_markup
        if sent.message_thread_id is not None:
            message |= {"message_thread_id": sent.message_thread_id, "is_topic_message": True}
        if sent.edited:
            message["edit_date"] = int(time.time())
        return message

    def _store(self, sent: SentMessage) -> None:
        self._sent.setdefault(sent.chat_id, []).append(sent)
        self._messages_event.set()

    # ----------------------------------------------------------------- methods
    async def m_getMe(self, p: dict[str, Any]) -> Any:
        return self.bot_user

    async def m_close(self, p: dict[str, Any]) -> Any:
        return True

    m_logOut = m_close

    async def m_sendMessage(self, p: dict[str, Any]) -> Any:
        chat = self._target(p["chat_id"])
        thread = p.get("message_thread_id")
        if thread is not None and (not chat.is_forum or thread not in chat.topics):
            raise bad_request("message thread not found")
        reply = p.get("reply_parameters")
        if reply and reply.get("message_id") not in chat.known_ids:
            if not reply.get("allow_sending_without_reply"):
                raise bad_request("message to be replied not found")
        self._check_markup(p.get("reply_markup"))
        text, entities = self._render(p)
        sent = SentMessage(
            message_id=chat.new_message_id(),
            chat_id=chat.id,
            text=text,
            html=p.get("text", ""),
            entities=entities,
            reply_markup=p.get("reply_markup"),
            message_thread_id=thread,
            date=int(time.time()),
        )
        self._store(sent)
        return self.message_json(sent)

    async def m_sendDocument(self, p: dict[str, Any]) -> Any:
        """An uploaded file only (a file_id or URL is not modelled: refused as unknown)."""
        chat = self._target(p["chat_id"])
        thread = p.get("message_thread_id")
        if thread is not None and (not chat.is_forum or thread not in chat.topics):
            raise bad_request("message thread not found")
        upload = p.get("document")
        if not isinstance(upload, bytes):
            raise bad_request("wrong remote file identifier specified")
        if not upload:
            raise bad_request("file must be non-empty")
        if len(upload) > 50 * 1024 * 1024:
            raise ApiError(413, "Request Entity Too Large")
        self._check_markup(p.get("reply_markup"))
        name = getattr(upload, "filename", "") or "document"
        mime = getattr(upload, "content_type", "") or "application/octet-stream"
        sent = SentMessage(
            message_id=chat.new_message_id(), chat_id=chat.id, text="", html="", entities=[],
            reply_markup=p.get("reply_markup"), message_thread_id=thread, date=int(time.time()),
            document=(name, mime, bytes(upload)))
        self._store(sent)
        return self.message_json(sent)

    def _editable(self, p: dict[str, Any]) -> SentMessage:
        """The bot message an edit targets (inline messages are not modelled: not found)."""
        if "inline_message_id" in p:
            raise bad_request("message to edit not found")
        return self._bot_message(self._target(p.get("chat_id")), p.get("message_id"), "edit")

    async def m_editMessageText(self, p: dict[str, Any]) -> Any:
        sent = self._editable(p)
        self._check_markup(p.get("reply_markup"))
        text, entities = self._render(p)
        markup = p.get("reply_markup")
        if (text, entities, markup) == (sent.text, sent.entities, sent.reply_markup):
            raise bad_request(NOT_MODIFIED)
        sent.text, sent.entities, sent.html = text, entities, p.get("text", "")
        sent.reply_markup, sent.edited = markup, True
        self._messages_event.set()
        return self.message_json(sent)

    async def m_editMessageReplyMarkup(self, p: dict[str, Any]) -> Any:
        sent = self._editable(p)
        markup = p.get("reply_markup")
        self._check_markup(markup)
        if markup == sent.reply_markup:
            raise bad_request(NOT_MODIFIED)
        sent.reply_markup, sent.edited = markup, True
        self._messages_event.set()
        return self.message_json(sent)

    async def m_deleteMessage(self, p: dict[str, Any]) -> Any:
        chat = self._target(p["chat_id"])
        sent = self._bot_message(chat, p["message_id"], "delete")
        sent.deleted = True
        self._messages_event.set()
        return True

    async def m_answerCallbackQuery(self, p: dict[str, Any]) -> Any:
        if p["callback_query_id"] not in self._callbacks:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self._callbacks.discard(p["callback_query_id"])
        if len(p.get("text", "")) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        return True

    async def m_sendChatAction(self, p: dict[str, Any]) -> Any:
        self._target(p["chat_id"])
        if p["action"] not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    async def m_getChat(self, p: dict[str, Any]) -> Any:
        chat = self._target(p["chat_id"])
        return self.spec.fill_required("ChatFullInfo", chat.as_chat())

    async def m_getChatMember(self, p: dict[str, Any]) -> Any:
        chat = self._target(p["chat_id"])
        return self._member(chat, p["user_id"])

    async def m_getChatAdministrators(self, p: dict[str, Any]) -> Any:
        chat = self._target(p["chat_id"])
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        ids = ([chat.creator] if chat.creator is not None else []) + chat.admins
        return [self._member(chat, user_id) for user_id in dict.fromkeys(ids)]

    def _member(self, chat: ChatInfo, user_id: int) -> dict[str, Any]:
        user = self.users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": "User"}
        if user_id == chat.creator:
            return self.spec.fill_required("ChatMemberOwner", {"status": "creator", "user": user})
        if user_id in chat.admins:
            fields = self.spec.types["ChatMemberAdministrator"]["fields"]
            rights = {f["name"]: True for f in fields if f["name"].startswith("can_")}
            rights["can_be_edited"] = False
            given = {"status": "administrator", "user": user, **rights}
            return self.spec.fill_required("ChatMemberAdministrator", given)
        return {"status": "member", "user": user}

    # ---------------------------------------------------------------- commands
    @staticmethod
    def _command_key(p: dict[str, Any]) -> tuple[str, str]:
        scope = p.get("scope") or {"type": "default"}
        return scope.get("type", "default"), p.get("language_code", "")

    async def m_setMyCommands(self, p: dict[str, Any]) -> Any:
        commands = p["commands"]
        if len(commands) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not _COMMAND_RE.fullmatch(command["command"]):
                raise bad_request("BOT_COMMAND_INVALID")
            if not command["description"].strip():
                raise bad_request("command description must be non-empty")
            if len(command["description"]) > 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._command_key(p)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    async def m_getMyCommands(self, p: dict[str, Any]) -> Any:
        return self.commands.get(self._command_key(p), [])

    async def m_deleteMyCommands(self, p: dict[str, Any]) -> Any:
        self.commands.pop(self._command_key(p), None)
        return True

    # ---------------------------------------------------------------- menu button
    async def m_setChatMenuButton(self, p: dict[str, Any]) -> Any:
        """The bot's default menu button (no chat_id) or a private chat's; a web_app one
        must open an HTTPS URL, as Telegram requires."""
        button = p.get("menu_button") or {"type": "default"}
        if button.get("type") == "web_app":
            url = str((button.get("web_app") or {}).get("url", ""))
            if not url.startswith("https://"):
                raise bad_request(f"inline keyboard button Web App URL '{url}' is invalid: "
                                  "Only HTTPS links are allowed")
            if not str(button.get("text", "")).strip():
                raise bad_request("text must be non-empty")
        self.menu_buttons[p.get("chat_id")] = button
        return True

    async def m_getChatMenuButton(self, p: dict[str, Any]) -> Any:
        chat_id = p.get("chat_id")
        return self.menu_buttons.get(chat_id) or self.menu_buttons.get(None) or {"type": "default"}
