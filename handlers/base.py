"""What every handler sees: the Request, its dependencies (Deps), the command registry, errors.

Exception tree (only UserError is shown to users as-is):

    HandlerError
    └── UserError         -- bad input; its localized message and usage reach the user
        └── NotAllowed    -- the user may not run this command here
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from handlers.catalog import CATALOG, Catalog
from handlers.fanout import Fanout
from handlers.i18n import t
from handlers.reply import Reply
from storage.models import utcnow
from storage.uow import UnitOfWork

#: a platform's name ("telegram", "discord", "console", …): the bot process knows the list
#: (bot/platforms/__init__.py ``PLATFORMS``) and hands it to handlers as ``Deps.platforms``
Platform = str
ChatKind = Literal["private", "group", "supergroup", "channel", "guild"]


@dataclass(frozen=True)
class Request:
    """One command from one user in one chat, already translated from the platform's event."""

    platform: str
    chat_id: str
    user_id: str
    command: str
    args: str = ""
    chat_kind: str = "private"
    chat_title: str | None = None
    user_name: str | None = None
    #: the user's platform language (e.g. Telegram's language_code, Discord's locale)
    user_language: str | None = None
    #: resolved by the dispatcher: chat setting, else user language, else French
    language: str = "fr"
    is_admin: bool = False
    page: int = 1
    #: asks the platform whether the user administers this chat (groups); None when unknown
    check_chat_admin: Callable[[], Awaitable[bool]] | None = field(default=None, compare=False)
    #: the text of the message this command replies to (e.g. a forwarded post), if any
    replied_text: str | None = None
    #: a language chosen for this one request (``ask --lang``), over the chat's setting
    forced_language: str | None = None
    #: the forum topic the command was sent in (Telegram's message_thread_id), None outside one
    thread_id: str | None = None

    @property
    def is_private(self) -> bool:
        return self.chat_kind == "private"


def _nobody() -> None:
    return None


@dataclass
class Deps:
    uow: Callable[[], UnitOfWork]
    clock: Callable[[], dt.datetime] = utcnow
    #: platform -> user ids allowed to administer the bot (from config)
    owners: dict[str, frozenset[str]] = field(default_factory=dict)
    #: the names of the platforms the bot runs on, in the process's order (``PLATFORMS``)
    platforms: tuple[str, ...] = ()
    default_language: str = "fr"
    #: the event's time zone for dates shown in replies
    timezone: str = "Africa/Casablanca"
    #: delivered copies younger than this are edited in place; older ones get a correction notice
    edit_window: dt.timedelta = dt.timedelta(hours=48)
    #: how far back /undo reaches
    undo_window: dt.timedelta = dt.timedelta(minutes=30)
    #: publishing queues alerts (``[delivery] enabled``); False: items are published all the
    #: same, without alerts (a process without delivery)
    alerts: bool = True
    #: rung when a command queued outbox rows (the App's Doorbell): the outbox worker looks now
    wake: Callable[[], None] = field(default=_nobody, compare=False)
    #: a session with a start but no end lasts this long for /now (``[programme] default_minutes``)
    session_minutes: int = 30
    #: the public part's address (``[http] public_url`` when ``public``); None: not published
    public_url: str | None = None

    @property
    def fanout(self) -> Fanout:
        """What the fan-out layer (handlers.fanout) needs, from these very fields."""
        return Fanout(alerts=self.alerts, default_language=self.default_language,
                      timezone=self.timezone, clock=self.clock, edit_window=self.edit_window,
                      wake=self.wake)


Handler = Callable[[Request, Deps], Awaitable[Reply]]


class HandlerError(Exception):
    pass


class UserError(HandlerError):
    """Bad input from a user: shown as a friendly error (with the command's usage)."""

    def __init__(self, key: str, *, show_usage: bool = True, **kwargs: object) -> None:
        super().__init__(key)
        self.key = key
        self.kwargs = kwargs
        self.show_usage = show_usage

    def message(self, lang: str) -> str:
        return t(self.key, lang, **self.kwargs)


class NotAllowed(UserError):
    pass


@dataclass(frozen=True)
class Option:
    """A typed argument, for platforms with structured commands (Discord slash options)."""

    name: str
    #: the catalog key of its description (``option.<command>.<option>``)
    key: str
    type: Literal["str", "int"] = "str"
    required: bool = False
    #: name of a completion source (see handlers.complete) or None
    autocomplete: str | None = None
    choices: tuple[str, ...] = ()
    #: True when this option takes the rest of the line (free text)
    rest: bool = False
    catalog: Catalog = field(default_factory=lambda: CATALOG, compare=False, repr=False)

    @property
    def description(self) -> dict[str, str]:
        """{language: description}, every language of the catalog."""
        return self.catalog.texts(self.key)


@dataclass(frozen=True)
class Command:
    """One command, declared as data in its module's ``COMMANDS`` tuple (see handlers.build_registry).

    Its words are in the catalog (handlers/catalog/commands.py): ``command.<name>.summary``
    (menus, /help's list) and ``command.<name>.help`` (``/help <name>``; the summary when the
    catalog has none), the help's ``{placeholders}`` filled from ``help_args``. ``catalog`` is
    the bot's (handlers.catalog.CATALOG) unless another is given (e.g. a test's own command).
    """

    name: str
    handler: Handler
    usage: str
    options: tuple[Option, ...] = ()
    admin: bool = False
    #: shown in /help and platform menus
    listed: bool = True
    group: str = "info"
    #: values of the help text's placeholders, e.g. (("body_max", "8000"),)
    help_args: tuple[tuple[str, str], ...] = ()
    catalog: Catalog = field(default_factory=lambda: CATALOG, compare=False, repr=False)

    @property
    def summary_key(self) -> str:
        return f"command.{self.name}.summary"

    @property
    def help_key(self) -> str:
        key = f"command.{self.name}.help"
        return key if key in self.catalog else self.summary_key

    @property
    def summary(self) -> dict[str, str]:
        """{language: summary}, every language of the catalog."""
        return self.catalog.texts(self.summary_key)

    @property
    def help(self) -> dict[str, str]:
        """{language: help text}, every language of the catalog."""
        return self.catalog.texts(self.help_key, **dict(self.help_args))

    def usage_in(self, lang: str) -> str:
        """The usage line as a reader of ``lang`` sees it: the descriptive words in its
        brackets translated ("/item <numéro>"), the words typed as they are ("confirm",
        "digest|alerts", field names)."""
        return localized_usage(self.usage, lang, CATALOG)


#: one bracketed group of a usage line: <…> or […]
_GROUP = re.compile(r"<([^<>\[\]]+)>|\[([^<>\[\]]+)\]")


def localized_usage(usage: str, lang: str, catalog: Catalog) -> str:
    """Translate a group's words (``usage.word.<word>`` in the catalog) when every word of
    the group is descriptive; a group holding anything typed as is stays as it is."""

    def group(match: re.Match[str]) -> str:
        inner = match.group(1) if match.group(1) is not None else match.group(2)
        words = [w.strip() for w in inner.split("|")]
        keys = [f"usage.word.{w.replace(' ', '_')}" for w in words]
        if not all(k in catalog for k in keys):
            return match.group(0)
        shown = (" | " if " | " in inner else "|").join(catalog.text(k, lang) for k in keys)
        return f"<{shown}>" if match.group(1) is not None else f"[{shown}]"

    return _GROUP.sub(group, usage)


class Registry:
    """Every command, once: platforms build their menus and routing from this."""

    def __init__(self, commands: Iterable[Command] = ()) -> None:
        self._commands: dict[str, Command] = {}
        for command in commands:
            self.add(command)

    def add(self, command: Command) -> Command:
        if command.name in self._commands:
            raise ValueError(f"command /{command.name} registered twice")
        self._commands[command.name] = command
        return command

    def get(self, name: str) -> Command | None:
        return self._commands.get(name)

    def __iter__(self) -> Iterator[Command]:
        return iter(self._commands.values())

    def __len__(self) -> int:
        return len(self._commands)


def paginate(total: int, page: int, per_page: int) -> tuple[int, int, int]:
    """(page clamped to 1..pages, pages, offset)."""
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    return page, pages, (page - 1) * per_page
