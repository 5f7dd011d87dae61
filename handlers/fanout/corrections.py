"""Corrections reach the readers: when a published item changes, every copy already delivered is
edited in place (outbox kind "edit") if it is younger than ``Deps.edit_window`` and the platform
gave us message ids; otherwise the chat gets a short correction notice (kind "correction").
A published item that is deleted is withdrawn the same way: its delivered copies are replaced
by a withdrawal notice (or get it as a new message), and its alerts still waiting in the
outbox are not sent (``storage.editorial.withdraw_pending``; /undo queues them again). The
outbox worker drops the ones it had already claimed; copies whose send had started before the
delete go out, and ``withdraw_late_copies`` (run by the scheduler every ``[delivery]
poll_seconds``) withdraws them the same way once they are recorded as sent.

Outbox payload of an "edit" row: the new message as ``Reply.to_dict()`` plus three keys the
outbox worker reads — ``edit_message_ids`` (the platform ids to edit), ``edit_of`` (the outbox
row that carried the original) and ``fallback`` (a correction notice ``Reply.to_dict()`` to send
instead when ``Sender.edit`` returns False); edit and notice rows also carry ``event``
(correction, withdrawal or restoration). ``Reply.from_dict`` ignores the extra keys.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from handlers.fanout import Fanout
from handlers.fanout.compose import alert_reply
from handlers.i18n import t
from handlers.reply import Reply, ReplyBuilder, Span
from storage.editorial import CORRECTION_KINDS, delivered_copies, last_delete
from storage.models import NewsItem, Topic
from storage.outbox import NewMessage
from storage.text import pick
from storage.uow import UnitOfWork

log = logging.getLogger("newsbot.fanout")

#: delivery mark: up to when sent rows were looked at for late copies of deleted items
LATE_COPIES_MARK = "late_copies_checked"
#: rows recorded this long before the mark are looked at again (clock skew, commit delay)
LATE_COPIES_SLACK = dt.timedelta(seconds=5)
#: where the first look starts when there is no mark yet
LATE_COPIES_FIRST_LOOK = dt.timedelta(minutes=10)


def correction_notice(item: NewsItem, lang: str) -> Reply:
    return (ReplyBuilder()
            .para(Span(t("correction.label", lang) + " — ", bold=True),
                  t("correction.notice", lang, id=item.id, title=pick(item.title, lang)))
            .build(language=lang))


def corrected_copy(item: NewsItem, lang: str, tz: str, topics: Sequence[Topic]) -> Reply:
    """The alert as subscribers got it, rebuilt from the corrected item, marked as updated."""
    alert = alert_reply(item, topics, lang=lang, tz=tz)
    marker = ReplyBuilder().para(Span(t("correction.updated", lang), italic=True)).blocks
    return replace(alert, blocks=(*alert.blocks, *marker))


def retraction_notice(item: NewsItem, lang: str) -> Reply:
    return (ReplyBuilder()
            .para(Span(t("retraction.label", lang) + " — ", bold=True),
                  t("retraction.notice", lang, id=item.id, title=pick(item.title, lang)))
            .build(language=lang))


async def send_corrections(uow: UnitOfWork, fanout: Fanout, item: NewsItem, change_id: int) -> tuple[int, int]:
    """Enqueue edits or notices for every delivered copy of ``item``; (edits, notices).

    ``change_id`` (the audit entry of the change) makes the rows idempotent per change.
    """
    topics = await uow.content.topics()
    return await _reach_copies(
        uow, fanout, item, change_id, lambda lang, tz: corrected_copy(item, lang, tz, topics),
        lambda lang: correction_notice(item, lang), event="correction")


async def send_retractions(uow: UnitOfWork, fanout: Fanout, item: NewsItem, change_id: int) -> tuple[int, int]:
    """The deleted ``item``'s delivered copies become a withdrawal notice; (edits, notices).

    The notice is one message: a copy that took several can only get it as a new message
    (a platform edits a message in place part for part), and is counted so."""
    return await _reach_copies(uow, fanout, item, change_id,
                               lambda lang, _tz: retraction_notice(item, lang),
                               lambda lang: retraction_notice(item, lang), one_part=True,
                               event="withdrawal")


def restoration_notice(item: NewsItem, lang: str) -> Reply:
    return (ReplyBuilder()
            .para(Span(t("restoration.label", lang) + " — ", bold=True),
                  t("restoration.notice", lang, id=item.id, title=pick(item.title, lang)))
            .build(language=lang))


async def send_restorations(uow: UnitOfWork, fanout: Fanout, item: NewsItem, change_id: int) -> tuple[int, int]:
    """A withdrawn item is back: the copies its withdrawal edited are edited back to it, the
    chats that got a withdrawal notice get a notice that it is back (same rule as
    ``send_retractions``, so each reader hears of the return the way they heard of the
    withdrawal)."""
    topics = await uow.content.topics()
    return await _reach_copies(
        uow, fanout, item, change_id, lambda lang, tz: corrected_copy(item, lang, tz, topics),
        lambda lang: restoration_notice(item, lang), one_part=True, event="restoration")


async def retract_late_copies(uow: UnitOfWork, fanout: Fanout, item_ids: Iterable[int]) -> int:
    """Copies of deleted items that went out after the delete (their send had started) get
    the same withdrawal as the others. Idempotent (the rows' keys are per copy and change),
    so it may run again on the same items; returns the rows added."""
    added = 0
    for item_id in item_ids:
        item = await uow.items.get(item_id)
        if item is None or item.deleted_at is None or item.status != "published":
            continue
        change = await last_delete(uow.session, item_id)
        if change is not None:
            added += sum(await send_retractions(uow, fanout, item, change))
    return added


async def withdraw_late_copies(uow: UnitOfWork, fanout: Fanout) -> int:
    """The periodic look for late copies (the scheduler runs it): items deleted of which a
    copy was recorded as sent since the last look get ``retract_late_copies``; returns the
    rows added.

    The look's mark is in the database (``LATE_COPIES_MARK``), so a restart, another replica
    or a sender that stopped right after recording a late copy misses none. Idempotent; the
    mark is written when something was found, else only now and then (a write every poll
    would keep SQLite's single writer busy for nothing)."""
    upto = fanout.clock()
    since = await uow.outbox.mark(LATE_COPIES_MARK) or upto - LATE_COPIES_FIRST_LOOK
    gone = await uow.outbox.items_sent_since(since - LATE_COPIES_SLACK, CORRECTION_KINDS)
    if not gone:
        if upto - since >= dt.timedelta(seconds=30):
            await uow.outbox.set_mark(LATE_COPIES_MARK, upto)
        return 0
    added = await retract_late_copies(uow, fanout, sorted(gone))
    await uow.outbox.set_mark(LATE_COPIES_MARK, upto)
    if added:
        log.info("withdrew late copies of deleted items",
                 extra={"items": sorted(gone), "count": added})
    return added


async def _reach_copies(uow: UnitOfWork, fanout: Fanout, item: NewsItem, change_id: int,
                        new_copy: Callable[[str, str], Reply], new_notice: Callable[[str], Reply],
                        *, one_part: bool = False, event: str) -> tuple[int, int]:
    """Each delivered copy of ``item``: edited into ``new_copy`` when fresh and editable,
    else one ``new_notice`` per chat. ``one_part``: ``new_copy`` is a single message, so
    only a single-message copy can be edited into it. ``event`` (correction, withdrawal,
    restoration) is kept in each row's payload: a platform that posts messages as data
    (outgoing webhooks) says which. One enqueue for all; rings ``fanout.wake`` once
    committed."""
    now = fanout.clock()
    messages: list[NewMessage] = []
    noticed: set[int] = set()
    for row, chat in await delivered_copies(uow.session, item.id):
        if not chat.active:
            continue
        lang = chat.language or fanout.default_language
        notice = new_notice(lang)
        fresh = row.sent_at is not None and now - row.sent_at <= fanout.edit_window
        editable = bool(row.platform_message_ids) and not (
            one_part and len(row.platform_message_ids) > 1)
        if fresh and editable:
            payload = new_copy(lang, chat.timezone or fanout.timezone).to_dict()
            payload |= {"edit_message_ids": list(row.platform_message_ids), "edit_of": row.id,
                        "fallback": notice.to_dict(), "event": event}
            messages.append(NewMessage(f"edit:{row.id}:{change_id}", chat.id, "edit", payload,
                                       item_id=item.id, thread_id=row.thread_id))
        elif chat.id not in noticed:
            noticed.add(chat.id)
            messages.append(NewMessage(f"correction:{item.id}:{chat.id}:{change_id}", chat.id,
                                       "correction", notice.to_dict() | {"event": event},
                                       item_id=item.id,
                                       thread_id=row.thread_id))
    inserted = await uow.outbox.enqueue_many(messages, now)
    if inserted:
        fanout.wake_after_commit(uow.session)
    edits = sum(1 for m in messages if m.kind == "edit" and m.dedupe_key in inserted)
    return edits, len(inserted) - edits
