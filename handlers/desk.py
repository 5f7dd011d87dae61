"""Pieces shared by the admin commands: who acts, the audit trail, owner checks, previews."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select

from handlers.base import Deps, NotAllowed, Request, UserError
from handlers.fanout.publish import Actor, record_change
from handlers.i18n import t
from handlers.news import full_item
from handlers.parse import clean_input
from handlers.reply import ReplyBuilder, Span
from storage.models import AuditEntry, NewsItem
from storage.revisions import latest_revision_id, stale_languages
from storage.text import LANGUAGES, pick
from storage.uow import UnitOfWork

log = logging.getLogger("newsbot.desk")

#: commands only the configured owners may run (plain admins are refused; each calls require_owner)
OWNER_ONLY: frozenset[str] = frozenset({"admin"})


def is_owner(req: Request, deps: Deps) -> bool:
    return req.user_id in deps.owners.get(req.platform, frozenset())


def require_owner(req: Request, deps: Deps) -> None:
    if not is_owner(req, deps):
        log.warning("owner command refused",
                    extra={"command": req.command, "platform": req.platform, "user": req.user_id})
        raise NotAllowed("admin.owner_only", command=req.command)


async def audit(uow: UnitOfWork, req: Request, action: str, target: str,
                before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
                *, deps: Deps | None = None, **revision: Any) -> int:
    """Record a revision by the requesting admin (handlers.fanout.publish.record_change)."""
    if deps is not None:
        revision.setdefault("at", deps.clock())
    return await record_change(uow, actor(req), action, target, before, after, **revision)


def actor(req: Request) -> Actor:
    """The admin behind a request, as the author of revisions."""
    return Actor(req.platform, req.user_id)


def clean_text(text: str | None) -> str:
    """A forwarded message's text, cleaned like every input (handlers.parse.clean_input)."""
    return clean_input(text)


def split_args(text: str, n: int) -> list[str]:
    """The first ``n`` words, then the rest of the text untouched (newlines kept)."""
    parts = text.strip().split(None, n)
    if len(parts) <= n:
        raise UserError("admin.missing")
    return parts


PREVIEW = "item.preview"


async def mark_previewed(uow: UnitOfWork, req: Request, deps: Deps, item: NewsItem) -> None:
    """This admin has now seen the item as it stands (a confirm publishes this state)."""
    await uow.audit.record(platform=req.platform, user_id=req.user_id, action=PREVIEW,
                           target=f"preview:{item.id}", at=deps.clock())


async def changed_since_preview(uow: UnitOfWork, req: Request, item: NewsItem) -> int | None:
    """The revision that changed the item after this admin's last look at it (or the item's
    latest one when the admin never saw it): a confirm must not publish an unseen state."""
    latest = await latest_revision_id(uow.session, "item", item.id)
    seen = await uow.session.scalar(
        select(func.max(AuditEntry.id)).where(
            AuditEntry.action == PREVIEW, AuditEntry.target == f"preview:{item.id}",
            AuditEntry.platform == req.platform, AuditEntry.user_id == req.user_id))
    if seen is None:
        return latest or 0
    return latest if latest is not None and latest > seen else None


def preview_warnings(item: NewsItem) -> list[str]:
    """What a reader would miss: message keys of the warnings shown under a preview."""
    warnings = []
    if not any(v.strip() for v in item.body.values()):
        warnings.append("preview.no_text")
    if item.source_id is None:
        warnings.append("preview.no_source")
    return warnings


async def get_item(uow: UnitOfWork, item_id: int, *, allow_deleted: bool = False) -> NewsItem:
    item = await uow.items.get(item_id)
    if item is None:
        raise UserError("item.admin_none", show_usage=False, id=item_id)
    if item.deleted_at is not None and not allow_deleted:
        raise UserError("item.deleted", show_usage=False, id=item_id)
    return item


async def settle(uow: UnitOfWork, item: NewsItem) -> NewsItem:
    """Write pending changes and reload the item, so its source relationship matches source_id."""
    await uow.session.flush()
    await uow.session.refresh(item)
    return item


async def topic_names(uow: UnitOfWork, lang: str) -> dict[str, str]:
    return {tp.key: pick(tp.name, lang) for tp in await uow.content.topics()}


def main_language(item: NewsItem) -> str:
    """The language the item was written in first (title/body without a suffix edit it)."""
    return next((k for k, v in item.title.items() if v), LANGUAGES[0])


def item_preview(item: NewsItem, lang: str, deps: Deps, topics: dict[str, str],
                 intro: str | None = None) -> ReplyBuilder:
    """Status line, then the item exactly as readers see it, then what is missing and what next."""
    b = ReplyBuilder()
    if intro:
        b.para(Span(intro, bold=True))
    langs = [k for k in LANGUAGES if item.title.get(k)]
    b.para(Span(t("item.status", lang, id=item.id, status=t(f"item.status.{item.status}", lang),
                  langs=", ".join(langs)), italic=True))
    b.blocks.extend(full_item(item, lang, deps.timezone, topics).blocks)
    for missing in (k for k in LANGUAGES if not item.title.get(k)):
        b.para(Span(t("item.missing_lang", lang, id=item.id, language=missing), italic=True))
    for language, names in stale_languages(item).items():
        b.para(Span("⚠ " + t("stale.admin", lang, language=language, fields=", ".join(names),
                             kind="item", id=item.id), italic=True))
    hint = "item.hint" if item.status == "draft" else "item.hint_published"
    b.para(Span(t(hint, lang, id=item.id), italic=True))
    return b
