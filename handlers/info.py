"""/start, /help, /about and /lang."""

from __future__ import annotations

from collections import OrderedDict
from functools import cache

from handlers.base import Command, Deps, Option, Registry, Request, UserError
from handlers.common import add_sources, shown, sources_of
from handlers.events import as_planned, event_for, opens_in, phase, took_place
from handlers.i18n import format_days, labelled, normalize_language, t
from handlers.reply import Reply, ReplyBuilder, Span, spans
from handlers.subscriptions import may_change
from storage.models import Event, Fact, Source
from storage.text import LANGUAGES, pick

START_COMMANDS = ("agenda", "participants", "resolution", "news", "search", "about")


@cache
def _registry() -> Registry:
    """The commands /start and /help list: every module's COMMANDS (built once, on first use;
    handlers.build_registry imports this module, so not at import time)."""
    from handlers import build_registry

    return build_registry()


async def start(req: Request, deps: Deps) -> Reply:
    lang = req.language
    async with deps.uow() as uow:
        event = await event_for(uow, req, deps)
    b = ReplyBuilder().heading(t("start.title", lang))
    if event is not None:
        b.para(t("start.body", lang, event=pick(event.name, lang), place=pick(event.place, lang)))
        _phase_line(b, event, deps, lang)
    b.para(t("start.try", lang))
    items = []
    for name in START_COMMANDS:
        cmd = _registry().get(name)
        if cmd is not None:
            items.append((Span(f"/{name}", code=True), Span(" — " + pick(cmd.summary, lang))))
    b.bullets(items)
    b.para(Span(t("start.lang", lang), italic=True))
    return b.build()


async def help_(req: Request, deps: Deps) -> Reply:
    lang = req.language
    wanted = req.args.strip().lstrip("/").split()
    if wanted:
        cmd = _registry().get(wanted[0].lower())
        if cmd is None or (cmd.admin and not req.is_admin):
            raise UserError("help.unknown", show_usage=False, command=wanted[0][:64])
        b = ReplyBuilder().heading(f"/{cmd.name}")
        b.para(pick(cmd.help, lang))
        b.para(Span(t("usage", lang, usage=cmd.usage_in(lang)), italic=True))
        return b.build()
    b = ReplyBuilder().heading(t("help.title", lang))
    public = [c for c in _registry() if c.listed and not c.admin]
    b.bullets([(Span(c.usage_in(lang), code=True), Span(" — " + pick(c.summary, lang))) for c in public])
    if req.is_admin:
        admin = [c for c in _registry() if c.listed and c.admin]
        if admin:
            b.para(Span(t("help.admin", lang), bold=True))
            b.bullets([(Span(c.usage_in(lang), code=True), Span(" — " + pick(c.summary, lang)))
                       for c in admin])
    b.para(Span(t("help.more", lang), italic=True))
    return b.build()


async def about(req: Request, deps: Deps) -> Reply:
    lang = req.language
    async with deps.uow() as uow:
        event = await event_for(uow, req, deps)
        facts = await uow.content.facts(event.id) if event is not None else []
    if event is None:
        return ReplyBuilder().para(t("about.empty", lang)).build()
    b = ReplyBuilder().heading(shown(event.name, lang))
    if phase(event, deps.clock()) == "after":
        b.para(Span(took_place(event, lang), bold=True))
        # once over, the text written for afterwards, else the summary as what was planned
        if pick(event.summary_past, lang):
            b.para(shown(event.summary_past, lang))
        else:
            b.para(as_planned(shown(event.summary, lang), lang))
    else:
        b.para(shown(event.summary, lang))
        _phase_line(b, event, deps, lang)
    b.para(Span(t("about.where", lang), bold=True), shown(event.place, lang))
    # The dates line is where a reader meets the dates first: a disagreement shows here,
    # with the sources, not only further down among the figures.
    b.para(Span(t("about.when", lang), bold=True),
           format_days(event.starts_on, event.ends_on, lang, event.alt_starts_on),
           _cited(event.sources, lang) if event.alt_starts_on else "")
    grouped: OrderedDict[str, list[Fact]] = OrderedDict()
    for f in facts:
        grouped.setdefault(f.key, []).append(f)
    if grouped:
        b.para(Span(t("about.figures", lang), bold=True))
        agreed: list[tuple[Span, ...]] = []
        for group in grouped.values():
            label = shown(group[0].label, lang)
            if len(group) == 1:
                agreed.append(_fact_row(group[0], lang, label))
                continue
            b.bullets(agreed)
            agreed = []
            b.para(Span(label, bold=True), " — " + t("about.disagree", lang))
            b.bullets([_fact_row(f, lang) for f in group])
        b.bullets(agreed)
    add_sources(b, sources_of([event, *facts]), lang)
    return b.build()


async def lang_(req: Request, deps: Deps) -> Reply:
    value = req.args.strip()
    if not value:
        return ReplyBuilder().para(t("lang.current", req.language)).build()
    new = normalize_language(value.split()[0])
    if new is None:
        raise UserError("lang.bad", value=value[:32])
    await may_change(req)  # in a group, the language is the group admins' choice
    async with deps.uow() as uow:
        chat = await uow.chats.touch(req.platform, req.chat_id, kind=req.chat_kind,
                                     title=req.chat_title, now=deps.clock())
        chat.language = new
    return ReplyBuilder().para(t("lang.set", new)).build(language=new)  # in the new language


COMMANDS: tuple[Command, ...] = (
    Command(
        "start", start,
        usage="/start",
    ),
    Command(
        "help", help_,
        usage="/help [command]",
        options=(Option("command", "option.help.command", autocomplete="commands"),),
    ),
    Command(
        "about", about,
        usage="/about",
    ),
    Command(
        "lang", lang_,
        usage="/lang fr|en|es|ar",
        options=(Option("language", "option.lang.language", choices=LANGUAGES),),
    ),
)


def _phase_line(b: ReplyBuilder, event: Event, deps: Deps, lang: str) -> None:
    """Where the event stands: 'Opens on …, in N days.' before it, 'It took place …' after."""
    now = deps.clock()
    when = phase(event, now)
    if when == "before":
        b.para(Span(opens_in(event, now, lang), italic=True))
    elif when == "after":
        b.para(Span(took_place(event, lang), italic=True))


def _fact_row(fact: Fact, lang: str, label: str | None = None) -> tuple[Span, ...]:
    """'Label: value (source; source)'; without a label when listed under a heading of
    disagreeing sources."""
    head = (Span(labelled(label, lang), bold=True),) if label else ()
    return spans(*head, Span(shown(fact.value, lang)), _cited(fact.sources, lang))


def _cited(sources: list[Source], lang: str) -> Span | str:
    """' (source; source)': every source of a statement, in order, after it."""
    if not sources:
        return ""
    names = t("punct.list", lang).join(pick(s.name, lang) or s.title for s in sources)
    return Span(f" ({names})", italic=True)
