"""Records, limits and injected faults of the fake Bot API (kept apart from the HTTP layer)."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Methods that post or change a visible message: the ones Telegram rate-limits.
SENDING_METHODS = frozenset(
    {
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
        "sendPhoto",
        "sendDocument",
        "copyMessage",
        "forwardMessage",
    }
)


class ApiError(Exception):
    """An error answer: HTTP status, Telegram description and optional parameters."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


@dataclass
class Call:
    """One request as the fake understood it."""

    method: str
    params: dict[str, Any]
    status: int = 200
    error: str | None = None


@dataclass
class SentMessage:
    """A message the bot sent, in its latest state (after edits or deletion)."""

    message_id: int
    chat_id: int
    text: str
    html: str
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    message_thread_id: int | None
    date: int
    edited: bool = False
    deleted: bool = False
    #: a sendDocument's file: (file name, MIME type, bytes); None for a text message
    document: tuple[str, str, bytes] | None = None


class UploadedFile(bytes):
    """A multipart file field's bytes, with the file name the client gave."""

    filename: str = ""
    content_type: str = ""


@dataclass
class TelegramLimits:
    """Telegram's broadcast limits, applied strictly with sliding windows."""

    global_per_second: int = 30
    private_per_second: int = 1
    group_per_minute: int = 20
    enabled: bool = True
    #: the clock the windows count on (a test on virtual time gives its timer's)
    clock: Callable[[], float] = time.monotonic


@dataclass
class RateLimiter:
    """Sliding windows of accepted sends: overall, per private chat, per group."""

    global_window: deque[float] = field(default_factory=deque)
    per_chat: dict[int, deque[float]] = field(default_factory=dict)

    def retry_after(self, limits: TelegramLimits, chat_id: int | None) -> tuple[int, str] | None:
        """(seconds to wait, the limit broken: "global" or "chat") if one more send now
        would break a limit, else None. Telegram's answer is the same for both (only
        ``retry_after``); the fake tells them apart for tests (``count_429_by``)."""
        if not limits.enabled:
            return None
        now = limits.clock()
        waits = [(_wait(self.global_window, limits.global_per_second, 1.0, now), "global")]
        if chat_id is not None:
            window = self.per_chat.setdefault(chat_id, deque())
            if chat_id > 0:
                waits.append((_wait(window, limits.private_per_second, 1.0, now), "chat"))
            else:
                waits.append((_wait(window, limits.group_per_minute, 60.0, now), "chat"))
        broken = [(w, scope) for w, scope in waits if w is not None]
        if not broken:
            return None
        worst, scope = max(broken)
        return max(1, math.ceil(worst)), scope

    def record(self, chat_id: int | None, clock: Callable[[], float] = time.monotonic) -> None:
        now = clock()
        self.global_window.append(now)
        if chat_id is not None:
            self.per_chat.setdefault(chat_id, deque()).append(now)


def _wait(window: deque[float], limit: int, span: float, now: float) -> float | None:
    while window and window[0] <= now - span:
        window.popleft()
    if len(window) < limit:
        return None
    return window[len(window) - limit] + span - now


@dataclass
class Fault:
    """One injected misbehaviour for the next call(s) of a method."""

    kind: str  # "fail" | "hang" | "retry_after"
    times: int
    status: int = 500
    description: str = "Internal Server Error"
    seconds: float = 0.0
    #: only calls to this chat (None: any call of the method)
    chat_id: int | None = None


@dataclass
class ChatInfo:
    """What the fake knows about a chat; chats exist implicitly on first use."""

    id: int
    type: str
    title: str | None = None
    first_name: str | None = None
    username: str | None = None
    is_forum: bool = False
    topics: set[int] = field(default_factory=set)
    refusal: ApiError | None = None
    admins: list[int] = field(default_factory=list)
    creator: int | None = None
    known_ids: set[int] = field(default_factory=set)
    next_message_id: int = 1

    @staticmethod
    def implicit(chat_id: int) -> ChatInfo:
        if chat_id > 0:
            return ChatInfo(chat_id, "private", first_name="Ana")
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        return ChatInfo(chat_id, kind, title=f"Chat {chat_id}")

    def as_chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "first_name", "username"):
            if getattr(self, key):
                chat[key] = getattr(self, key)
        if self.is_forum:
            chat["is_forum"] = True
        return chat

    def new_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        self.known_ids.add(message_id)
        return message_id
