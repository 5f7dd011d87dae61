"""Typed configuration: embedded defaults < TOML file < environment (NEWSBOT_SECTION__KEY).

The file is chosen by ``--config PATH`` or ``NEWSBOT_CONFIG``; without one the defaults serve
(SQLite under ./data, the console chat). A wrong value stops the start with one line naming the
key and what is expected (:class:`ConfigError`, exit code 2). Tokens are ``SecretStr`` and never
printed.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.platforms import PLATFORMS
from bot.platforms.console.config import ConsoleSection
from bot.platforms.discord.config import DiscordSection
from bot.platforms.telegram.config import TelegramSection
from bot.platforms.webhook.config import WebhookEndpoint, check_endpoints
from bot.sections import Section
from storage.text import Language

DEFAULT_DB_URL = "sqlite+aiosqlite:///data/newsbot.db"


class ConfigError(Exception):
    """One line for the operator: which key, what is wrong, what is expected."""


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"expected an IANA time zone such as Europe/Paris, got {value!r}") from exc
    return value


_INSTANT_EXAMPLE = "2026-06-10T09:55:00+02:00"


def check_instant(value: object) -> dt.datetime | None:
    """An ISO 8601 instant with its UTC offset (a TOML offset date-time or a string); a
    time without offset, or anything else, is refused with what is expected."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"expected an ISO instant with its UTC offset such as "
                             f"{_INSTANT_EXAMPLE}") from None
    if not isinstance(value, dt.datetime):
        raise ValueError(f"expected an ISO instant with its UTC offset such as {_INSTANT_EXAMPLE}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"the instant has no UTC offset: write it as {_INSTANT_EXAMPLE} "
                         f"(or with Z for UTC)")
    return value


class BotSection(Section):
    default_language: Language = "fr"
    #: the event's time zone, for dates shown in replies
    timezone: str = "Africa/Casablanca"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    #: "text" (key=value lines) or "json" (one JSON object a line, for log collectors)
    log_format: Literal["text", "json"] = "text"
    #: load the bundled content into an empty database at start
    seed_on_start: bool = True
    #: a button whose payload is too long for the platform is kept this long after its last use
    button_days: float = Field(default=30, gt=0, le=3650)
    #: a platform (or the database) that fails at start or later is retried after this
    #: delay, doubled each time up to retry_max_seconds (with jitter)
    retry_initial_seconds: float = Field(default=1, gt=0, le=3600)
    retry_max_seconds: float = Field(default=300, gt=0, le=86400)
    #: owners get a private message when a platform fails or comes back, at most one per
    #: platform in this many minutes (0: none)
    alert_owners_minutes: float = Field(default=30, ge=0)
    #: where this process keeps its instance identity (a small locked file), so a restart on
    #: the same host takes its own sender lease back at once; default: the SQLite
    #: database's folder, else ./data
    data_dir: str | None = None
    #: rehearsal clock: the bot runs as if it were this instant when the process starts
    #: (then on at real speed): commands, reminders, digests. An ISO instant with its UTC
    #: offset, e.g. "2026-06-10T09:55:00+02:00"; unset: the real time
    simulated_now: dt.datetime | None = None

    _tz = field_validator("timezone")(_check_timezone)

    @field_validator("simulated_now", mode="before")
    @classmethod
    def _instant(cls, value: object) -> object:
        return check_instant(value)


class DatabaseSection(Section):
    url: str = DEFAULT_DB_URL

    @field_validator("url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "expected sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST/DB"
            )
        return value


class EditorialSection(Section):
    #: a published item edited within this age is edited in place where the platform allows;
    #: older copies get a short correction notice instead
    edit_window_hours: float = Field(default=48, gt=0, le=24 * 30)
    #: how long /undo can take back an admin's last edit or delete
    undo_window_minutes: float = Field(default=30, gt=0, le=24 * 60)
    #: per-request timeout and maximum body size for feed fetches
    feed_timeout_seconds: float = Field(default=20, gt=0, le=300)
    feed_max_bytes: int = Field(default=2_000_000, ge=1024, le=50_000_000)


class KeywordRules(Section):
    #: when not empty, an entry must contain one of these words (accent/case-insensitive)
    include: list[str] = Field(default_factory=list)
    #: an entry containing one of these words is skipped
    exclude: list[str] = Field(default_factory=list)


class FeedSection(Section):
    name: str = Field(min_length=1, max_length=100)
    url: str
    topics: list[str] = Field(default_factory=list)
    keywords: KeywordRules = Field(default_factory=KeywordRules)
    #: True: new entries are published (and announced); False: they wait as drafts
    publish: bool = False
    interval_minutes: float = Field(default=15, gt=0, le=24 * 60)
    #: the language the feed is written in (its entries are stored under it)
    language: Language = "fr"
    #: at most this many new entries are taken per poll, newest first; the others wait for
    #: the next polls (nothing is lost: the feed's ETag is kept back until all are taken)
    max_entries_per_poll: int = Field(default=50, ge=1, le=10_000)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL")
        return value
class DeliverySection(Section):
    """The outbox worker: Telegram's broadcast limits and the retry policy."""

    enabled: bool = True
    #: messages per second over all chats (Telegram: about 30)
    global_per_second: float = Field(default=30, gt=0)
    #: messages per second to one private chat (Telegram: 1)
    private_per_second: float = Field(default=1, gt=0)
    #: messages per minute to one group or channel (Telegram: 20)
    group_per_minute: float = Field(default=20, gt=0)
    #: Telegram paid broadcasts (Stars) allow up to 1000 messages/s overall
    paid_broadcast: bool = False
    paid_global_per_second: float = Field(default=1000, gt=0, le=1000)
    #: of the overall limit, kept free for command replies (they never queue in the outbox)
    reserve_per_second: float = Field(default=3, ge=0)
    #: added to every rate window; slots already count from the answer, so a request reaches
    #: the server after the window of the one it follows has closed: this is only slack
    margin_seconds: float = Field(default=0.01, ge=0)
    max_attempts: int = Field(default=8, ge=1)
    #: a send whose answer did not come after the request left (a read timeout) may have
    #: been delivered: such a message is sent again at most this many times (then it is a
    #: dead letter "uncertain"), so a slow Bot API shows it at most 1 + this many times
    uncertain_retries: int = Field(default=1, ge=0)
    #: the wait before that retry (times 1 to 1.5)
    uncertain_retry_seconds: float = Field(default=60, gt=0)
    #: once a send was uncertain, sends on that platform wait this long for their answer
    #: (for ``patience_seconds`` after the last uncertain one) rather than the transport's
    #: read timeout (PTB's 5 s): waiting costs less than a duplicate
    uncertain_read_timeout_seconds: float = Field(default=30, gt=0)
    patience_seconds: float = Field(default=600, ge=0)
    backoff_seconds: float = Field(default=2, gt=0)
    max_backoff_seconds: float = Field(default=600, gt=0)
    lease_seconds: float = Field(default=120, gt=0)
    batch_size: int = Field(default=200, ge=1)
    #: sends started but not yet recorded: the most a crash can repeat
    max_in_flight: int = Field(default=16, ge=1)
    #: the same bound when ``paid_broadcast`` is on (1,000/s needs more messages in the air)
    paid_max_in_flight: int = Field(default=64, ge=1)
    poll_seconds: float = Field(default=1, gt=0)
    #: one active sender per database: its lease lasts this long unless renewed
    leader_ttl_seconds: float = Field(default=15, gt=0)


class DigestSection(Section):
    #: how often the scheduler asks which digests are due
    tick_seconds: float = Field(default=30, gt=0)
    #: a digest missed while the bot was down is still sent within this many hours
    grace_hours: float = Field(default=6, ge=0)
    batch_size: int = Field(default=500, ge=1)


class ProgrammeSection(Section):
    """The programme: what is on now, reminders of followed sessions."""

    #: a session with a start but no end counts as in progress this long (/now)
    default_minutes: int = Field(default=30, ge=1, le=24 * 60)
    #: how often the scheduler queues the reminders that are due
    remind_tick_seconds: float = Field(default=15, gt=0, le=3600)


class HttpSection(Section):
    """The operators' HTTP server (health, readiness, metrics), on in service mode."""

    enabled: bool = True
    #: 127.0.0.1 by default: expose it through a reverse proxy or a container port
    listen: str = "127.0.0.1"
    #: 0 lets the OS choose (tests)
    port: int = Field(default=8080, ge=0, le=65535)
    #: pending connections the kernel keeps for it
    backlog: int = Field(default=64, ge=1, le=4096)
    #: the public part for readers (event page, news, agenda, search, Atom feed, calendars,
    #: the Telegram Mini App): off unless true (bot/web/)
    public: bool = False
    #: the address readers reach that part at (behind the reverse proxy), e.g.
    #: "https://news.example.org"; needed for links in chat (/calendar) and the Mini App
    public_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(/[^\s]*)?$")
    #: requests a client address may make to the public part per minute (429 beyond)
    public_per_minute: int = Field(default=120, ge=1, le=100000)
    #: the Telegram Mini App refuses an initData signed longer ago than this (its auth_date)
    miniapp_max_age_seconds: int = Field(default=3600, ge=60, le=7 * 86400)


class SentrySection(Section):
    """Optional error reporting (the ``sentry`` extra): errors with their tracebacks, redacted."""

    dsn: SecretStr | None = None
    environment: str = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NEWSBOT_", env_nested_delimiter="__", extra="forbid", case_sensitive=False
    )

    bot: BotSection = Field(default_factory=BotSection)
    database: DatabaseSection = Field(default_factory=DatabaseSection)
    # the platforms' sections (bot/platforms/*/config.py), one per entry of PLATFORMS
    console: ConsoleSection = Field(default_factory=ConsoleSection)
    telegram: TelegramSection = Field(default_factory=TelegramSection)
    discord: DiscordSection = Field(default_factory=DiscordSection)
    #: [[webhooks]]: endpoints that receive the news as signed JSON posts
    webhooks: Annotated[list[WebhookEndpoint], AfterValidator(check_endpoints)] = Field(
        default_factory=list)
    editorial: EditorialSection = Field(default_factory=EditorialSection)
    feeds: list[FeedSection] = Field(default_factory=list)
    delivery: DeliverySection = Field(default_factory=DeliverySection)
    digest: DigestSection = Field(default_factory=DigestSection)
    programme: ProgrammeSection = Field(default_factory=ProgrammeSection)
    http: HttpSection = Field(default_factory=HttpSection)
    sentry: SentrySection = Field(default_factory=SentrySection)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment wins over the file, which is passed in as init values.
        return (env_settings, init_settings)

    def owners(self) -> dict[str, frozenset[str]]:
        """Platform -> the user ids that own the bot there (each platform's spec says how)."""
        return {name: spec.owners(self) for name, spec in PLATFORMS.items()}


def check_platform_sections(settings_cls: type[BaseSettings] = Settings) -> None:
    """Every platform of the table has its section in Settings, of its model class (or a
    list of them: an array of tables such as [[webhooks]]).

    The platform sections are written out as fields (above) so their types stay checked;
    this keeps them and the table (bot/platforms/__init__.py) from drifting apart."""
    for spec in PLATFORMS.values():
        field = settings_cls.model_fields.get(spec.config_section)
        annotation = field.annotation if field is not None else None
        if get_origin(annotation) is list:  # an array of tables
            (annotation,) = get_args(annotation)
        if annotation is not spec.config_model:
            raise TypeError(f"Settings.{spec.config_section} must be a {spec.config_model.__name__} "
                            f"(the [{spec.config_section}] section of platform {spec.name!r})")


check_platform_sections()


def _describe(error: Mapping[str, Any]) -> str:
    key = ".".join(str(p) for p in error["loc"])
    msg = error["msg"]
    if error["type"] == "extra_forbidden":
        msg = "unknown key (see config.example.toml for the keys)"
    elif error.get("input") is not None and not isinstance(error["input"], dict):
        shown = error["input"]
        if "token" in key or "secret" in key:
            shown = "***"
        msg = f"{msg} (got {shown!r})"
    return f"{key}: {msg}"


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Read the file (if any) and the environment; raise ConfigError with one clear line."""
    path = path or os.environ.get("NEWSBOT_CONFIG") or None
    data: dict[str, Any] = {}
    if path:
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"config file not found: {p}") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read config file {p}: {exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{p}: not valid TOML: {exc}") from exc
    try:
        return Settings(**data)
    except ValidationError as exc:
        errors = exc.errors()
        first = _describe(errors[0])
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ConfigError(f"config error: {first}{more}") from None
