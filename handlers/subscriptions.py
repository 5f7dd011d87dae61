"""/subscribe, /unsubscribe, /settings and /digest: a chat's subscription, set by its people.

In a private chat the user decides; in a group only the group's administrators (asked of
the platform through ``Request.check_chat_admin``) or the bot's own administrators.
Settings are kept on unsubscribe so coming back restores them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from handlers.base import Command, Deps, NotAllowed, Option, Request, UserError
from handlers.fanout.compose import Composer
from handlers.i18n import format_moment, normalize_language, t
from handlers.reply import Reply, ReplyBuilder, Span
from handlers.words import ALL_TOPICS, KINDS, SETTINGS, YES_NO
from storage.localtime import parse_hhmm, quiet_until, zone
from storage.models import REMIND_DEFAULT, Chat, Subscription, Topic
from storage.text import fold, pick
from storage.text import words as words_of
from storage.uow import UnitOfWork

#: what each kind of handlers.words.KINDS subscribes to: (the digest, alerts)
KIND_FLAGS = {"digest": (True, False), "alerts": (False, True), "both": (True, True)}


def kind_of(word: str) -> tuple[bool, bool] | None:
    """'alertes' / 'resumen' / 'تنبيهات' … -> (for the digest, for alerts); None if no kind."""
    kind = KINDS.get(word)
    return None if kind is None else KIND_FLAGS[kind]


async def may_change(req: Request) -> None:
    """Private chat: the user; group: its admins (or the bot's); refuses otherwise."""
    if req.is_private or req.is_admin:
        return
    if req.check_chat_admin is not None and await req.check_chat_admin():
        return
    raise NotAllowed("sub.group_admins_only", show_usage=False)


def resolve_topics(words: Sequence[str], topics: Sequence[Topic]) -> list[str] | None:
    """Topic keys for words that are keys or names (accent/case-insensitive); None if one is unknown."""
    index: dict[str, str] = {}
    word_topics: dict[str, set[str]] = {}
    for tp in topics:
        for name in (tp.name or {}).values():
            index[fold(name)] = tp.key
            for w in words_of(name):
                if len(w) >= 5:
                    word_topics.setdefault(w, set()).add(tp.key)
    # a distinctive word of a name ("cybercriminalite", "gouvernance") names its topic
    index.update({w: next(iter(ks)) for w, ks in word_topics.items() if len(ks) == 1})
    index.update({fold(tp.key): tp.key for tp in topics})
    keys: list[str] = []
    for w in words:
        key = index.get(fold(w))
        if key is None:
            return None
        if key not in keys:
            keys.append(key)
    return keys


def _topic_list(topics: Sequence[Topic]) -> str:
    return ", ".join(tp.key for tp in topics)


async def _chat(uow: UnitOfWork, req: Request, deps: Deps) -> Chat:
    return await uow.chats.touch(req.platform, req.chat_id, kind=req.chat_kind,
                                 title=req.chat_title, now=deps.clock())


def _chosen(keys: Sequence[str], names: dict[str, str], lang: str) -> str:
    return ", ".join(names.get(k, k) for k in keys) or t("settings.all_topics", lang)


def settings_reply(chat: Chat, sub: Subscription | None, topics: Sequence[Topic], lang: str,
                   heading: str | None = None, note: str | None = None) -> Reply:
    names = {tp.key: pick(tp.name, lang) for tp in topics}
    b = ReplyBuilder()
    if heading:
        b.para(Span(heading, bold=True))
    if note:
        b.para(Span(note, italic=True))
    b.heading(t("settings.title", lang))
    on, off = t("settings.on", lang), t("settings.off", lang)
    digest = bool(sub and sub.digest)
    rows: list[tuple[Span, ...]] = [
        (Span(t("settings.digest", lang), bold=True),
         Span(t("settings.on_at", lang, time=sub.digest_time, tz=chat.timezone)
              if sub and digest else off)),
        (Span(t("settings.digest_topics", lang), bold=True),
         Span(_chosen(sub.digest_topics if sub else [], names, lang))),
    ]
    if sub and sub.digest and sub.next_digest_at:
        rows.append((Span(t("settings.next", lang), bold=True),
                     Span(format_moment(sub.next_digest_at, lang, chat.timezone))))
    if sub and sub.digest and sub.digest_thread_id:
        rows.append((Span(t("settings.digest_thread", lang), bold=True),
                     Span(t("settings.thread", lang, id=sub.digest_thread_id))))
    rows += [
        (Span(t("settings.alerts", lang), bold=True), Span(on if sub and sub.alerts else off)),
        (Span(t("settings.alerts_topics", lang), bold=True),
         Span(_chosen(sub.alerts_topics if sub else [], names, lang))),
    ]
    if sub and sub.alerts and sub.alerts_thread_id:
        rows.append((Span(t("settings.alerts_thread", lang), bold=True),
                     Span(t("settings.thread", lang, id=sub.alerts_thread_id))))
    rows += [
        (Span(t("settings.quiet", lang), bold=True),
         Span(f"{sub.quiet_start}–{sub.quiet_end}" if sub and sub.quiet_start else off)),
        (Span(t("settings.empty", lang), bold=True), Span(on if sub and sub.notify_empty else off)),
        (Span(t("settings.remind", lang), bold=True), Span(remind_setting(chat, sub, lang))),
        (Span(t("settings.language", lang), bold=True), Span(lang)),
    ]
    b.bullets(rows)
    b.para(Span(t("settings.change", lang), italic=True))
    return b.build()


#: the most minutes ``/settings remind`` takes: a day
REMIND_MAX = 1440


def remind_setting(chat: Chat, sub: Subscription | None, lang: str) -> str:
    """'10 minutes before' / 'off', and whether it is the chat kind's default."""
    chosen = sub.remind_minutes if sub is not None else None
    minutes = chosen if chosen is not None else REMIND_DEFAULT.get(chat.kind, 0)
    shown = t("settings.remind_before", lang, n=minutes) if minutes > 0 else t("settings.off", lang)
    if chosen is None:
        return t("settings.remind_default", lang, value=shown)
    return shown


def remind_minutes(value: str) -> int:
    """'10' -> 10 (1–1440), 'off' (any YES_NO no) -> 0; UserError otherwise."""
    if YES_NO.get(value) is False:
        return 0
    word = value.strip()
    if word.isascii() and word.isdigit() and 1 <= int(word) <= REMIND_MAX:
        return int(word)
    raise UserError("settings.remind_bad", value=value[:32], most=REMIND_MAX)


def topic_setting(value: str, topics: Sequence[Topic]) -> tuple[bool, bool, list[str]]:
    """``[digest|alerts|both] <topics…|all>`` -> (for the digest, for alerts, topic keys);
    without a kind word the topics are for both kinds."""
    words = value.replace(",", " ").split()
    if not words:
        raise UserError("sub.missing_value", name="topics")
    if len(words) == 1 and words[0] in ALL_TOPICS:
        return True, True, []
    kind = kind_of(words[0])
    if kind is not None:
        if len(words) == 1:
            raise UserError("sub.missing_topics", kind=words[0][:32])
        digest, alerts = kind
        words = words[1:]
    else:
        digest = alerts = True
    if len(words) == 1 and words[0] in ALL_TOPICS:
        return digest, alerts, []
    keys = resolve_topics(words, topics)
    if keys is None:
        bad = next(w for w in words if resolve_topics([w], topics) is None)
        raise UserError("sub.bad_arg", value=bad[:64], topics=_topic_list(topics))
    return digest, alerts, keys


@dataclass(frozen=True)
class Retimed:
    """Alerts held by quiet hours that a change released (``until`` None) or re-timed."""

    count: int
    until: dt.datetime | None
    #: quiet hours were turned off: say so even when nothing was held
    off: bool = False

    def text(self, lang: str, tz: str) -> str | None:
        if self.until is not None:
            if not self.count:
                return None
            return t("sub.quiet_retimed", lang, n=self.count,
                     at=format_moment(self.until, lang, tz))
        if self.count:
            return t("sub.quiet_released", lang, n=self.count)
        return t("sub.quiet_none_held", lang) if self.off else None


async def retime_held(uow: UnitOfWork, chat: Chat, sub: Subscription,
                      now: dt.datetime) -> Retimed:
    """Held alerts follow the chat's quiet hours as they are now (same transaction)."""
    until = quiet_until(sub.quiet_start, sub.quiet_end, chat.timezone, now)
    return Retimed(await uow.outbox.retime_held_alerts(chat.id, now, until), until)


async def apply_setting(uow: UnitOfWork, chat: Chat, sub: Subscription, name: str, value: str,
                        topics: Sequence[Topic], now: dt.datetime) -> Retimed | None:
    """Change one setting, validating the value; raises UserError with a precise message.

    ``name`` is any of the setting's names in handlers.words.SETTINGS ('heure', 'idioma',
    'اللغة' …), yes/no values any of handlers.words.YES_NO. A change of quiet hours or time zone also re-times the alerts quiet hours hold (returned).
    """
    if not value:
        raise UserError("sub.missing_value", name=name)
    held: Retimed | None = None
    setting = SETTINGS.get(name)
    if setting == "time":
        hhmm = parse_hhmm(value)
        if hhmm is None:
            raise UserError("sub.bad_time", value=value[:32])
        sub.digest_time = hhmm
    elif setting == "tz":
        if zone(value) is None:
            raise UserError("sub.bad_tz", value=value[:64])
        chat.timezone = value
        held = await retime_held(uow, chat, sub, now)
    elif setting == "lang":
        lang = normalize_language(value)
        if lang is None:
            raise UserError("lang.bad", value=value[:32])
        chat.language = lang
    elif setting == "topics":
        for_digest, for_alerts, keys = topic_setting(value, topics)
        if for_digest:
            sub.digest_topics = keys
        if for_alerts:
            sub.alerts_topics = keys
    elif setting == "quiet":
        if YES_NO.get(value) is False:
            sub.quiet_start = sub.quiet_end = None
            held = replace(await retime_held(uow, chat, sub, now), off=True)
        else:
            parts = value.replace("–", "-").split("-")
            times = [parse_hhmm(p) for p in parts] if len(parts) == 2 else [None]
            if None in times or times[0] == times[1]:
                raise UserError("sub.bad_quiet", value=value[:32])
            sub.quiet_start, sub.quiet_end = times[0], times[1]
            held = await retime_held(uow, chat, sub, now)
    elif setting == "empty":
        on = YES_NO.get(value)
        if on is None:
            raise UserError("sub.bad_onoff", value=value[:32])
        sub.notify_empty = on
    elif setting == "remind":
        sub.remind_minutes = remind_minutes(value)
    else:
        raise UserError("sub.bad_setting", value=name[:32])
    await uow.subscriptions.reschedule(sub, chat.timezone, now)
    return held


async def subscribe(req: Request, deps: Deps) -> Reply:
    await may_change(req)
    now = deps.clock()
    async with deps.uow() as uow:
        topics = await uow.content.topics()
        words = req.args.replace(",", " ").split()
        digest, alerts, hhmm, topic_words = False, False, None, []
        for w in words:
            kind = kind_of(w)
            if kind is not None:
                digest, alerts = digest or kind[0], alerts or kind[1]
            elif parse_hhmm(w):
                hhmm = parse_hhmm(w)
            else:
                topic_words.append(w)
        keys = resolve_topics(topic_words, topics)
        if keys is None:
            bad = next(w for w in topic_words if resolve_topics([w], topics) is None)
            raise UserError("sub.bad_arg", value=bad[:32], topics=_topic_list(topics))
        if not (digest or alerts):
            digest = True
        if digest:  # no new digests for an event that is over (alerts for late news still)
            from handlers.events import digest_refusal

            refused = await digest_refusal(uow, req, deps)
            if refused is not None:
                return refused
        chat = await _chat(uow, req, deps)
        if chat.language is None:  # digests and alerts come in the subscriber's language
            chat.language = req.language
        sub = await uow.subscriptions.get_or_create(chat, now)
        sub.digest, sub.alerts = sub.digest or digest, sub.alerts or alerts
        if hhmm:
            sub.digest_time = hhmm
        # exactly what was asked: the topics named (none = every topic), for the kinds named
        # and delivered where it was asked: the forum topic of this /subscribe, or the chat
        if digest:
            sub.digest_topics, sub.digest_thread_id = keys, req.thread_id
        if alerts:
            sub.alerts_topics, sub.alerts_thread_id = keys, req.thread_id
        if sub.last_digest_at is None:
            sub.last_digest_at = now
        await uow.subscriptions.reschedule(sub, chat.timezone, now)
        return settings_reply(chat, sub, topics, req.language, t("sub.subscribed", req.language))


async def unsubscribe(req: Request, deps: Deps) -> Reply:
    await may_change(req)
    word = (req.args.split() or ["all"])[0]
    kind = kind_of(word)
    if kind is None:
        raise UserError("sub.bad_kind", value=word[:32])
    async with deps.uow() as uow:
        chat = await _chat(uow, req, deps)
        sub = await uow.subscriptions.for_chat(chat.id)
        if sub is None:  # the same answer however often it is asked (idempotent)
            return ReplyBuilder().para(t("sub.not_subscribed", req.language)).build()
        sub.digest = sub.digest and not kind[0]
        sub.alerts = sub.alerts and not kind[1]
        await uow.subscriptions.reschedule(sub, chat.timezone, deps.clock())
        topics = await uow.content.topics()
        return settings_reply(chat, sub, topics, req.language, t("sub.unsubscribed", req.language))


async def settings(req: Request, deps: Deps) -> Reply:
    name, _, value = req.args.strip().partition(" ")
    async with deps.uow() as uow:
        topics = await uow.content.topics()
        chat = await _chat(uow, req, deps)
        if not name:
            sub = await uow.subscriptions.for_chat(chat.id)
            return settings_reply(chat, sub, topics, req.language)
        await may_change(req)
        sub = await uow.subscriptions.get_or_create(chat, deps.clock())
        held = await apply_setting(uow, chat, sub, name.lower(), value.strip(), topics,
                                   deps.clock())
        lang = chat.language or req.language
        note = held.text(lang, chat.timezone) if held else None
        return settings_reply(chat, sub, topics, lang, t("sub.saved", lang), note)


async def digest(req: Request, deps: Deps) -> Reply:
    now = deps.clock()
    async with deps.uow() as uow:
        chat = await _chat(uow, req, deps)
        sub = await uow.subscriptions.for_chat(chat.id)
        start = (sub.last_digest_at or sub.created_at) if sub else now - dt.timedelta(days=1)
        reply = await Composer(uow).digest(
            lang=req.language, tz=chat.timezone, topics=sub.digest_topics if sub else [],
            start=start, end=now, notify_empty=True)
    assert reply is not None
    return reply


COMMANDS: tuple[Command, ...] = (
    Command(
        "subscribe", subscribe,
        usage="/subscribe [digest|alerts|both] [HH:MM] [topics…]",
        options=(Option("what", "option.subscribe.what",
                        choices=("digest", "alerts", "both")),
                 Option("rest", "option.subscribe.rest",
                        rest=True)),
        group="subscriptions",
    ),
    Command(
        "unsubscribe", unsubscribe,
        usage="/unsubscribe [digest|alerts|all]",
        options=(Option("what", "option.unsubscribe.what",
                        choices=("digest", "alerts", "all")),),
        group="subscriptions",
    ),
    Command(
        "settings", settings,
        usage="/settings [time HH:MM | tz Zone/City | lang fr|en|es|ar | topics [digest|alerts] …|all "
              "| quiet HH:MM-HH:MM|off | empty on|off | remind 1-1440|off]",
        options=(Option("setting", "option.settings.setting",
                        choices=("time", "tz", "lang", "topics", "quiet", "empty", "remind")),
                 Option("value", "option.settings.value", rest=True)),
        group="subscriptions",
    ),
    Command(
        "digest", digest,
        usage="/digest",
        group="subscriptions",
    ),
)
