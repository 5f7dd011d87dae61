"""Sending rendered replies to Telegram, and translating PTB's errors into our delivery tree.

Why no ``AIORateLimiter``: it has no per-private-chat limit and pauses every chat on any 429;
the outbox worker owns rate limiting (per chat and global), so this sender makes exactly one
API call per message part and reports what Telegram said.

Why ``PTB_TIMEDELTA``: PTB 22 warns (``PTBDeprecationWarning``) every time a ``RetryAfter`` is
built unless that variable (read at that moment) opts in to ``timedelta`` values; the warning would surface in the
middle of a send. We opt in, and read both forms.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import warnings

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import BaseRequest
from telegram.warnings import PTBUserWarning

from bot.platforms.base import (
    About,
    ChatMoved,
    ChatUnavailable,
    DeliveryError,
    DeliveryUncertain,
    Pace,
    PermanentError,
    RateLimited,
    TransientError,
)
from bot.platforms.telegram.http import AnswerLost, NotSent
from bot.platforms.telegram.render import CallbackCodec, keyboard_rows, render_parts
from handlers.reply import Button, Reply

# read by PTB when an error is built, not at import: setting it here is early enough
os.environ.setdefault("PTB_TIMEDELTA", "true")
#: the one PTB warning our raw sends trigger on purpose (see the module docstring)
SEND_WARNING = r"Please use 'Bot\.send_message' instead"
warnings.filterwarnings("ignore", message=SEND_WARNING, category=PTBUserWarning)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

#: a digest goes to thousands of chats as equal ``Reply`` values (frozen, hashable):
#: render it once, not per chat (rendering is a pure function of the reply)
@functools.lru_cache(maxsize=64)
def cached_parts(reply: Reply) -> tuple[str, ...]:
    return tuple(render_parts(reply))

#: BadRequest descriptions meaning "this chat cannot receive messages from us" (lowercase)
_UNAVAILABLE = (
    "chat not found",
    "user not found",
    "bot was kicked",
    "bot is not a member",
    "have no rights to send",
    "not enough rights",
    "chat_write_forbidden",
    "group chat was deactivated",
    "user is deactivated",
    "peer_id_invalid",
    "topic_closed",
    "topic_deleted",
    "message thread not found",
)
_NOT_MODIFIED = "message is not modified"


def retry_after_seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def translate_error(exc: TelegramError) -> DeliveryError:
    """Map one PTB exception to the delivery error tree (see bot/platforms/base.py)."""
    if isinstance(exc, RetryAfter):
        # Telegram's 429 does not say whether the chat or the whole bot is limited
        return RateLimited(retry_after_seconds(exc), scope="unknown")
    if isinstance(exc, ChatMigrated):
        return ChatMoved(str(exc.new_chat_id))
    if isinstance(exc, Forbidden):
        return ChatUnavailable(exc.message)
    if isinstance(exc, BadRequest):  # a NetworkError subclass: test it first
        if any(marker in exc.message.lower() for marker in _UNAVAILABLE):
            return ChatUnavailable(exc.message)
        return PermanentError(exc.message)
    if _maybe_delivered(exc):
        return DeliveryUncertain(exc.message)
    if isinstance(exc, NetworkError | Conflict):  # 5xx, timeouts before sending, connection errors
        return TransientError(exc.message)
    return PermanentError(exc.message)


def _maybe_delivered(exc: TelegramError) -> bool:
    """The request may have reached Telegram although no answer came: a timeout once
    connected (any ``TimedOut`` not known to be raised before sending: PTB's httpx transport
    does not say which phase timed out, except for its pool) or a connection lost while
    waiting for the answer (our aiohttp transport, ``bot/platforms/telegram_http.py``)."""
    if isinstance(exc, NotSent):
        return False
    if isinstance(exc, TimedOut):
        return not exc.message.startswith("Pool timeout")
    return isinstance(exc, AnswerLost)


async def keyboard(buttons: tuple[Button, ...] | list[Button], codec: CallbackCodec,
                   rtl: bool = False) -> InlineKeyboardMarkup | None:
    """The inline keyboard; long payloads are stored first, so any process answers them.
    ``rtl``: the buttons of a right-to-left reply (labels isolated)."""
    if not buttons:
        return None
    await codec.keep(buttons)
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(label, callback_data=data) for label, data in row]
        for row in keyboard_rows(buttons, codec, rtl=rtl)
    ])


def chat_id_value(chat_id: str) -> int | str:
    """Telegram chat ids are integers; channel usernames (@name) stay strings."""
    try:
        return int(chat_id)
    except ValueError:
        return chat_id


class TelegramSender:
    """Implements bot.platforms.base.Sender for Telegram (HTML parse mode, no link previews).

    When a multi-part reply fails after some parts went out, the raised DeliveryError carries
    the ids already sent in ``sent_message_ids`` so the caller can record them and resume
    with ``skip_parts`` instead of repeating them.
    """

    platform = "telegram"

    def __init__(self, bot: Bot, codec: CallbackCodec | None = None, *,
                 paid_broadcast: bool = False) -> None:
        self.bot = bot
        self.codec = codec or CallbackCodec()
        #: outbox sends (they carry a nonce) use Telegram's paid broadcasts, up to 1,000/s;
        #: interactive replies (no nonce) never do
        self.paid_broadcast = paid_broadcast

    async def send(self, chat_id: str, reply: Reply, *, nonce: str = "",
                   thread_id: int | str | None = None, pace: Pace | None = None,
                   read_timeout: float | None = None, skip_parts: int = 0,
                   about: About | None = None) -> list[str]:
        """Send the parts in order (``skip_parts`` first ones excepted: a resumed send) into
        the forum topic ``thread_id`` when given; ``pace`` is awaited before each part after
        the first (the outbox's rate windows); ``read_timeout`` overrides the transport's for
        these requests (the outbox waits longer for answers once Telegram was slow, rather
        than risk a duplicate)."""
        wait = BaseRequest.DEFAULT_NONE if read_timeout is None else read_timeout
        parts = cached_parts(reply)
        thread = int(thread_id) if thread_id is not None else None
        markup = await keyboard(reply.buttons, self.codec, rtl=reply.direction == "rtl")
        sent: list[str] = []
        for n, text in enumerate(parts):
            if n < skip_parts:
                continue
            if n > skip_parts and pace is not None:
                try:
                    await pace()
                except DeliveryError as stopped:  # the caller stops here: say what was sent
                    stopped.after_parts(sent)
                    raise
            last = n == len(parts) - 1
            try:
                message = await self.bot.do_api_request("send_message", api_kwargs={
                    "chat_id": chat_id_value(chat_id), "text": text, "parse_mode": ParseMode.HTML,
                    "link_preview_options": NO_PREVIEW, "message_thread_id": thread,
                    "reply_markup": markup if last else None,
                    "allow_paid_broadcast": True if self.paid_broadcast and nonce else None,
                }, read_timeout=wait)
            except TelegramError as exc:
                raise translate_error(exc).after_parts(sent) from exc
            sent.append(str(message["message_id"]))
        if reply.attachments and skip_parts < len(parts):
            await self._documents(chat_id, reply, thread, wait, sent)
        return sent

    async def _documents(self, chat_id: str, reply: Reply, thread: int | None, wait: object,
                         sent: list[str]) -> None:
        """The reply's files, each a document after its text (an /calendar's .ics). Their
        message ids are not the reply's parts: an edit or a deletion concerns the text."""
        for attachment in reply.attachments:
            try:
                await self.bot.send_document(
                    chat_id=chat_id_value(chat_id),
                    document=InputFile(attachment.data, filename=attachment.filename),
                    message_thread_id=thread, read_timeout=wait)  # type: ignore[arg-type]
            except TelegramError as exc:
                raise translate_error(exc).after_parts(sent) from exc

    async def direct(self, user_id: str, reply: Reply, *, nonce: str) -> list[str]:
        """A private message to a user (the owners' alerts): a private chat's id is the
        user's id; Telegram refuses it until the user has started the bot."""
        return await self.send(user_id, reply)

    async def edit(self, chat_id: str, message_ids: list[str], reply: Reply) -> bool:
        """Edit in place when the new reply has as many parts as the old one; else False."""
        parts = render_parts(reply)
        if len(parts) != len(message_ids):
            return False
        markup = await keyboard(reply.buttons, self.codec, rtl=reply.direction == "rtl")
        for n, (message_id, text) in enumerate(zip(message_ids, parts, strict=True)):
            try:
                await self.bot.edit_message_text(
                    text=text, chat_id=chat_id_value(chat_id), message_id=int(message_id),
                    parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW,
                    reply_markup=markup if n == len(parts) - 1 else None,
                )
            except BadRequest as exc:
                low = exc.message.lower()
                if _NOT_MODIFIED in low:
                    continue
                if "message to edit not found" in low or "can't be edited" in low:
                    return False
                raise translate_error(exc) from exc
            except TelegramError as exc:
                raise translate_error(exc) from exc
        return True
