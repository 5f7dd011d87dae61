"""The news desk on a phone: /additem, /edititem, /translate, /delitem, /undo, /publish.

Every command is one unit of work: its change, its audit entry and the outbox rows it causes
(alerts, corrections) commit together or not at all. Content is stored raw; renderers escape.
"""

from __future__ import annotations

import uuid
from typing import Any

from handlers.admin_input import (
    BODY_MAX,
    NAME_MAX,
    TITLE_MAX,
    check_body,
    check_lang,
    check_text,
    check_title,
    check_topics,
    check_url,
    parse_id,
    parse_moment,
    parse_options,
    split_field,
    split_title_body,
)
from handlers.base import Command, Deps, Option, Request, UserError
from handlers.desk import (
    actor,
    audit,
    changed_since_preview,
    clean_text,
    get_item,
    item_preview,
    main_language,
    mark_previewed,
    preview_warnings,
    settle,
    split_args,
    topic_names,
)
from handlers.fanout.compose import alert_reply
from handlers.fanout.corrections import send_corrections, send_retractions
from handlers.fanout.publish import publish_item
from handlers.i18n import t, t_counts
from handlers.reply import Reply, ReplyBuilder, Span
from handlers.words import CONFIRM
from storage.editorial import (
    item_snapshot,
    refresh_search_doc,
    source_for,
    withdraw_pending,
)
from storage.models import NewsItem, Source
from storage.revisions import diff, mark_stale
from storage.text import LANGUAGES
from storage.uow import UnitOfWork

ITEM_OPTIONS = ("lang", "topics", "source", "url", "at")
ALIASES = {"topic": "topics", "language": "lang", "langue": "lang", "themes": "topics",
           "link": "url", "lien": "url", "date": "at", "time": "at"}
EDIT_FIELDS = ("title", "body", "topics", "source", "url", "at")


def _id_option() -> Option:
    return Option("id", "option.item_id", type="int", required=True)


async def _apply_options(uow: UnitOfWork, deps: Deps, item: NewsItem, opts: dict[str, str]) -> None:
    if "topics" in opts:
        known = [tp.key for tp in await uow.content.topics()]
        item.topics = [] if opts["topics"].strip() in ("-", "") else check_topics(opts["topics"], known)
    if "source" in opts or "url" in opts:
        current = await uow.session.get(Source, item.source_id) if item.source_id else None
        name = _source_name(opts["source"]) if "source" in opts else (current.title if current else None)
        url = check_url(opts["url"]) if opts.get("url") else (current.url if current else None)
        if name is None and url is None:
            item.source_id = None
        else:
            item.source_id = (await source_for(uow.session, name, url)).id
    if "at" in opts:
        item.published_at = parse_moment(opts["at"], deps.timezone, deps.clock())


def _source_name(value: str) -> str | None:
    """A typed source name, refused (not cut) when over NAME_MAX; empty means none."""
    return check_text(value, "source", NAME_MAX, required=False) or None


def _title_and_body(text: str, req: Request) -> tuple[str, str]:
    """Typed text, then the replied-to (forwarded) message's text: first line title, rest body."""
    forwarded = clean_text(req.replied_text)
    if forwarded:
        text = f"{text}\n{forwarded}" if text else forwarded
    title, body = split_title_body(text)
    return check_title(title), check_body(body)


def _validate_options(opts: dict[str, str], deps: Deps) -> None:
    """Checks that need no database, before anything is written."""
    if "lang" in opts:
        check_lang(opts["lang"])
    if "source" in opts:
        _source_name(opts["source"])
    if opts.get("url"):
        check_url(opts["url"])
    if "at" in opts:
        parse_moment(opts["at"], deps.timezone, deps.clock())


async def _after_change(uow: UnitOfWork, deps: Deps, item: NewsItem, change_id: int) -> tuple[int, int]:
    if item.status == "published" and item.deleted_at is None:
        return await send_corrections(uow, deps.fanout, item, change_id)
    return 0, 0


def _corrections_line(b: ReplyBuilder, lang: str, sent: tuple[int, int]) -> None:
    if any(sent):
        b.para(Span(t_counts("item.corrections", lang, edits=sent[0], notices=sent[1]), italic=True))


async def _finish_edit(uow: UnitOfWork, req: Request, deps: Deps, item: NewsItem, before: dict[str, Any],
                       lang: str, intro: str, action: str = "item.edit") -> Reply:
    """Record the revision, correct delivered copies, answer with the preview in ``lang``."""
    mark_stale(item, diff(before, item_snapshot(item)), translation=action == "item.translate")
    change = await audit(uow, req, action, f"item:{item.id}", before, item_snapshot(item), deps=deps)
    sent = await _after_change(uow, deps, await settle(uow, item), change)
    await mark_previewed(uow, req, deps, item)
    b = item_preview(item, lang, deps, await topic_names(uow, lang), intro)
    _corrections_line(b, req.language, sent)
    return b.build()


async def additem(req: Request, deps: Deps) -> Reply:
    text, opts = parse_options(req.args, ITEM_OPTIONS, ALIASES)
    title, body = _title_and_body(text, req)
    _validate_options(opts, deps)
    lang = check_lang(opts["lang"]) if "lang" in opts else req.language
    async with deps.uow() as uow:
        item = NewsItem(key=f"item-{uuid.uuid4()}", status="draft", topics=[],
                        title={lang: title}, body={lang: body},
                        created_by=f"{req.platform}:{req.user_id}")
        await _apply_options(uow, deps, item, opts)
        refresh_search_doc(item)
        await uow.items.add(item)
        await audit(uow, req, "item.add", f"item:{item.id}", after=item_snapshot(item),
                    deps=deps, language=lang)
        await settle(uow, item)
        await mark_previewed(uow, req, deps, item)
        topics = await topic_names(uow, req.language)
        return item_preview(item, req.language, deps, topics,
                            t("item.draft_created", req.language, id=item.id)) \
            .button(t("publish.button", req.language), "publish", str(item.id)).build()


async def edititem(req: Request, deps: Deps) -> Reply:
    raw_id, raw_field, value = split_args(req.args, 2)
    item_id = parse_id(raw_id)
    field, lang = split_field(raw_field, EDIT_FIELDS, localized=("title", "body"))
    if field == "title":
        value = check_title(value)
    elif field == "body":
        value = check_body(value, required=True)
    else:
        _validate_options({field: value}, deps)
    async with deps.uow() as uow:
        item = await get_item(uow, item_id)
        before = item_snapshot(item)
        if field in ("title", "body"):
            lang = lang or main_language(item)
            texts: dict[str, Any] = dict(getattr(item, field))
            texts[lang] = value
            setattr(item, field, texts)
            refresh_search_doc(item)
        else:
            await _apply_options(uow, deps, item, {field: value})
        shown = f"{field} ({lang})" if lang else field
        return await _finish_edit(uow, req, deps, item, before, req.language,
                                  t("item.updated", req.language, id=item.id, field=shown))


async def append(req: Request, deps: Deps) -> Reply:
    parts = req.args.strip().split(None, 1)
    if len(parts) < 2:
        raise UserError("admin.missing")
    item_id, rest = parse_id(parts[0]), parts[1]
    words = rest.split(None, 1)
    lang: str | None = None
    if words[0].lower() in LANGUAGES:  # "/append 5 en …": that language's text
        lang, rest = words[0].lower(), words[1] if len(words) > 1 else ""
    text = clean_text(rest) or clean_text(req.replied_text)
    if not text:
        raise UserError("admin.empty", field="body")
    async with deps.uow() as uow:
        item = await get_item(uow, item_id)
        before = item_snapshot(item)
        lang = lang or main_language(item)
        current = item.body.get(lang, "")
        body = check_body(f"{current}\n\n{text}" if current else text)
        item.body = {**item.body, lang: body}
        refresh_search_doc(item)
        return await _finish_edit(uow, req, deps, item, before, req.language,
                                  t("item.appended", req.language, id=item.id, language=lang,
                                    length=len(body), max=BODY_MAX))


async def translate(req: Request, deps: Deps) -> Reply:
    parts = req.args.strip().split(None, 2)
    if len(parts) < 2:
        raise UserError("admin.missing")
    item_id, lang = parse_id(parts[0]), check_lang(parts[1])
    title, body = _title_and_body(parts[2] if len(parts) > 2 else "", req)
    async with deps.uow() as uow:
        item = await get_item(uow, item_id)
        before = item_snapshot(item)
        item.title = {**item.title, lang: title}
        item.body = {**item.body, lang: body} if body else {k: v for k, v in item.body.items() if k != lang}
        refresh_search_doc(item)
        return await _finish_edit(uow, req, deps, item, before, lang,
                                  t("item.translated", req.language, id=item.id, language=lang),
                                  action="item.translate")


async def delitem(req: Request, deps: Deps) -> Reply:
    item_id = parse_id(req.args)
    async with deps.uow() as uow:
        item = await get_item(uow, item_id)
        before = item_snapshot(item)
        item.deleted_at = deps.clock()
        change = await audit(uow, req, "item.delete", f"item:{item.id}", before,
                             item_snapshot(item), deps=deps)
        held, sent = 0, (0, 0)
        if item.status == "published":  # readers may have it, or be about to: withdraw it
            held = await withdraw_pending(uow.session, item.id, change, deps.clock())
            sent = await send_retractions(uow, deps.fanout, item, change)
    b = ReplyBuilder().para(t("item.deleted_ok", req.language, id=item_id))
    if held or any(sent):
        b.para(Span(t_counts("item.withdrawn", req.language, held=held, edits=sent[0],
                             notices=sent[1]), italic=True))
    return b.button("↩ /undo", "undo").build()


async def publish(req: Request, deps: Deps) -> Reply:
    parts = req.args.split()
    if not parts or len(parts) > 2:
        raise UserError("admin.missing")
    item_id = parse_id(parts[0])
    confirm = len(parts) == 2
    if confirm and parts[1] not in CONFIRM:
        raise UserError("publish.bad_word", id=item_id)
    lang = req.language
    async with deps.uow() as uow:
        item = await get_item(uow, item_id)
        if item.status == "published":
            raise UserError("publish.already", show_usage=False, id=item_id)
        changed = await changed_since_preview(uow, req, item)
        if not confirm or changed:
            intro = (t("publish.changed", lang, id=item.id, rev=changed) if changed
                     else t("publish.preview", lang))
            b = ReplyBuilder().para(Span(intro, bold=True))
            preview = NewsItem(id=item.id, title=item.title, body=item.body, topics=item.topics,
                               sources=item.sources, published_at=item.published_at or deps.clock())
            b.blocks.extend(alert_reply(preview, await uow.content.topics(), lang=lang,
                                        tz=deps.timezone).blocks)
            for warning in preview_warnings(item):
                b.para(Span("⚠ " + t(warning, lang), italic=True))
            await mark_previewed(uow, req, deps, item)
            return b.button(t("publish.confirm", lang), "publish", f"{item.id} confirm").build()
        alerts = await publish_item(uow, deps.fanout, item, actor(req), at=deps.clock())
        if alerts is None:
            return ReplyBuilder().para(t("publish.no_publisher", lang, id=item.id)).build()
    return ReplyBuilder().para(t("publish.done", lang, id=item_id, alerts=alerts.queued,
                                 n=alerts.held)).build()


COMMANDS: tuple[Command, ...] = (
    Command(
        "additem", additem, admin=True, group="admin",
        usage="/additem <title> [lang=… topics=… source=… url=… at=…] ↵ <text>",
        help_args=(("title_max", str(TITLE_MAX)), ("body_max", str(BODY_MAX)),
                   ("name_max", str(NAME_MAX))),
        options=(Option("text", "option.additem.text", required=True, rest=True),),
    ),
    Command(
        "edititem", edititem, admin=True, group="admin",
        usage="/edititem <id> <title|body|topics|source|url|at|title.en|body.en…> <value>",
        options=(_id_option(),
                 Option("field", "option.edititem.field", required=True,
                        choices=(*EDIT_FIELDS, "title.en", "title.fr", "body.en", "body.fr")),
                 Option("value", "option.edititem.value", required=True, rest=True)),
    ),
    Command(
        "append", append, admin=True, group="admin",
        usage="/append <id> [fr|en|es|ar] ↵ <text>",
        help_args=(("body_max", str(BODY_MAX)),),
        options=(_id_option(),
                 Option("text", "option.append.text", required=True,
                        rest=True)),
    ),
    Command(
        "translate", translate, admin=True, group="admin",
        usage="/translate <id> <fr|en|es|ar> ↵ <title> ↵ <text>",
        options=(_id_option(),
                 Option("lang", "option.translate.lang", required=True, choices=LANGUAGES),
                 Option("text", "option.translate.text", rest=True)),
    ),
    Command(
        "delitem", delitem, admin=True, group="admin",
        usage="/delitem <id>",
        options=(_id_option(),),
    ),
    Command(
        "publish", publish, admin=True, group="admin",
        usage="/publish <id> [confirm]",
        options=(_id_option(),
                 Option("confirm", "option.publish.confirm",
                        choices=("confirm",))),
    ),
)
