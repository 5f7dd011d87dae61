"""/audit, /broadcast and /stats: the desk's view of what happened and what goes out."""

from __future__ import annotations

import datetime as dt
import re

from handlers.admin_input import BODY_MAX, check_text
from handlers.base import Command, Deps, Option, Request, UserError
from handlers.common import add_pager, fetch_page
from handlers.desk import audit
from handlers.fanout.broadcast import broadcast_reply, queue_broadcast
from handlers.i18n import format_moment, t, t_counts
from handlers.reply import Reply, ReplyBuilder, Span
from handlers.revisions import revision_row, source_names
from storage.editorial import (
    drafts,
    outbox_counts,
    subscribed_chats,
    subscriber_counts,
)
from storage.models import AuditEntry
from storage.revisions import stale_languages
from storage.text import pick

MAX_AUDIT = 50
DEFAULT_AUDIT = 10
BROADCAST_TTL = dt.timedelta(hours=1)
DRAFTS_PER_PAGE = 10


async def audit_(req: Request, deps: Deps) -> Reply:
    lang = req.language
    arg = req.args.split()
    count = DEFAULT_AUDIT
    if arg:
        if len(arg) > 1 or not re.fullmatch(r"[0-9]{1,3}", arg[0]) or not 1 <= int(arg[0]) <= MAX_AUDIT:
            raise UserError("audit.bad_count", value=req.args[:32], max=MAX_AUDIT)
        count = int(arg[0])
    async with deps.uow() as uow:
        entries = list(await uow.audit.latest(count))
        sources = await source_names(uow, entries)
    if not entries:
        return ReplyBuilder().para(t("audit.none", lang)).build()
    b = ReplyBuilder().heading(t("audit.title", lang))
    rows = [revision_row(e, lang, deps.timezone, sources) for e in entries]
    b.bullets(rows)
    return b.build()


async def drafts_(req: Request, deps: Deps) -> Reply:
    lang = req.language
    async with deps.uow() as uow:
        items, total, page, pages = await fetch_page(
            req, DRAFTS_PER_PAGE, lambda limit, offset: drafts(uow.session, limit, offset))
    if not items:
        return ReplyBuilder().para(t("drafts.none", lang)).build()
    b = ReplyBuilder().heading(t("drafts.title", lang, n=total))
    b.bullets([(Span(f"#{i.id} ", code=True), Span(pick(i.title, lang), bold=True),
                Span(f" — {i.created_by or '?'}", italic=True),
                *([Span(" ⚠ " + t("drafts.stale", lang, languages=", ".join(
                    stale_languages(i))), italic=True)] if i.stale else []))
               for i in items])
    b.para(Span(t("drafts.hint", lang), italic=True))
    add_pager(b, req, page, pages)
    return b.build()


async def broadcast(req: Request, deps: Deps) -> Reply:
    lang = req.language
    parts = req.args.split()
    if len(parts) == 2 and parts[0].lower() == "confirm" and re.fullmatch(r"[0-9]{1,12}", parts[1]):
        return await _confirm_broadcast(req, deps, int(parts[1]))
    text = check_text(req.args, "text", BODY_MAX)
    async with deps.uow() as uow:
        chats = await subscribed_chats(uow.session)
        draft = await audit(uow, req, "broadcast.draft", "broadcast", after={"text": text})
    b = ReplyBuilder().para(Span(t("broadcast.preview", lang, n=len(chats)), bold=True))
    b.blocks.extend(broadcast_reply(text, lang).blocks)
    return b.button(t("broadcast.confirm", lang), "broadcast", f"confirm {draft}").build()


async def stats(req: Request, deps: Deps) -> Reply:
    lang = req.language
    now = deps.clock()
    async with deps.uow() as uow:
        subs = await subscriber_counts(uow.session)
        out = await outbox_counts(uow.session, now - dt.timedelta(hours=24))
        feeds = await uow.feeds.states()
    b = ReplyBuilder().heading(t("stats.title", lang))
    b.para(Span(t("stats.subscribers", lang), bold=True))
    b.bullets([(Span(f"{p} · {k}: ", bold=True), Span(t("stats.sub_row", lang, n=n, digest=d, alerts=a)))
               for p, k, n, d, a in subs] or [(Span("—"),)])
    b.para(Span(t("stats.delivery", lang), bold=True),
           t_counts("stats.delivery_row", lang, **out))
    if out["uncertain_sent"] or out["uncertain_waiting"] or out["uncertain_dead"]:
        b.para(Span(t("stats.uncertain", lang), bold=True),
               t_counts("stats.uncertain_row", lang, sent=out["uncertain_sent"],
                 waiting=out["uncertain_waiting"], dead=out["uncertain_dead"]))
    b.para(Span(t("stats.feeds", lang), bold=True))
    rows = []
    for f in feeds:
        ok = format_moment(f.last_success_at, lang, deps.timezone) if f.last_success_at else "—"
        row = [Span(f.name, bold=True), Span(" — " + t("stats.feed_ok", lang, when=ok))]
        if f.consecutive_failures:
            err_at = format_moment(f.last_error_at, lang, deps.timezone) if f.last_error_at else "?"
            row.append(Span(" · " + t("stats.feed_failing", lang, n=f.consecutive_failures,
                                      error=f.last_error or "?", when=err_at), bold=True))
        if f.next_poll_at:
            row.append(Span(" · " + t("stats.feed_next", lang,
                                      when=format_moment(f.next_poll_at, lang, deps.timezone)), italic=True))
        rows.append(tuple(row))
    b.bullets(rows or [(Span(t("stats.no_feeds", lang)),)])
    return b.build()


COMMANDS: tuple[Command, ...] = (
    Command(
        "audit", audit_, admin=True, group="admin",
        usage="/audit [n]",
        options=(Option("count", "option.audit.count", type="int"),),
    ),
    Command(
        "drafts", drafts_, admin=True, group="admin",
        usage="/drafts",
    ),
    Command(
        "broadcast", broadcast, admin=True, group="admin",
        usage="/broadcast <text>",
        options=(Option("text", "option.broadcast.text", required=True, rest=True),),
    ),
    Command(
        "stats", stats, admin=True, group="admin",
        usage="/stats",
    ),
)


async def _confirm_broadcast(req: Request, deps: Deps, draft_id: int) -> Reply:
    """Queue a previewed broadcast once: the dedupe key per (draft, chat) makes a second press harmless."""
    lang = req.language
    async with deps.uow() as uow:
        draft = await uow.session.get(AuditEntry, draft_id)
        if (draft is None or draft.action != "broadcast.draft" or draft.user_id != req.user_id
                or draft.platform != req.platform or deps.clock() - draft.at > BROADCAST_TTL
                or not draft.after):
            raise UserError("broadcast.no_draft", show_usage=False)
        queued = await queue_broadcast(uow, deps.fanout, draft_id, str(draft.after["text"]))
        if queued:
            await audit(uow, req, "broadcast.send", f"audit:{draft_id}", after={"chats": queued})
    return ReplyBuilder().para(t("broadcast.queued", lang, n=queued)).build()
