"""Broadcasts: a message from the desk to every subscribed chat, in each chat's language.

The audience is every active chat with a digest or alert subscription, each in the forum topic
it reads us in (``storage.editorial.subscribed_chat_threads``). The key
``broadcast:<draft>:<chat>`` makes a second confirmation of the same draft harmless.
"""

from __future__ import annotations

from handlers.fanout import Fanout
from handlers.i18n import t
from handlers.reply import Reply, ReplyBuilder, user_text
from storage.editorial import subscribed_chat_threads
from storage.outbox import NewMessage
from storage.uow import UnitOfWork


def broadcast_reply(text: str, lang: str) -> Reply:
    """The desk's ``text`` (its paragraphs, content) under the heading, in ``lang``."""
    b = ReplyBuilder().heading(t("broadcast.heading", lang))
    for para in text.split("\n\n"):
        if para.strip():
            b.para(user_text(para.strip()))
    return b.build(language=lang)


async def queue_broadcast(uow: UnitOfWork, fanout: Fanout, draft_id: int, text: str) -> int:
    """Queue ``text`` (the broadcast draft ``draft_id``) for every subscribed chat; returns how
    many rows are new (0 when this draft was queued already). Rings ``fanout.wake`` once
    committed."""
    payloads: dict[str, dict[str, object]] = {}  # one per language
    messages = []
    for chat, thread in await subscribed_chat_threads(uow.session):
        lang = chat.language or fanout.default_language
        if lang not in payloads:
            payloads[lang] = broadcast_reply(text, lang).to_dict()
        messages.append(NewMessage(f"broadcast:{draft_id}:{chat.id}", chat.id, "broadcast",
                                   payloads[lang], thread_id=thread))
    inserted = await uow.outbox.enqueue_many(messages, fanout.clock())
    if inserted:
        fanout.wake_after_commit(uow.session)
    return len(inserted)
