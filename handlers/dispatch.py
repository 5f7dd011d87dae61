"""The one error boundary: a Request in, a Reply out, whatever the input.

It records the chat (first contact, reactivation), resolves the reply language and the
user's admin rights, routes to the registered command, and turns errors into friendly replies.
Every reply it returns says the language it is written in (``Reply.language``: the request's,
unless the handler set its own), so renderers know its direction.
Logs carry the command and the platform, never the text of a private chat.
"""

from __future__ import annotations

import dataclasses
import logging
import time

from handlers.admin_input import ARGS_MAX
from handlers.base import Deps, NotAllowed, Registry, Request, UserError
from handlers.chats import chat_seen
from handlers.i18n import normalize_language, t
from handlers.parse import clean_input
from handlers.reply import Reply, ReplyBuilder, Span

log = logging.getLogger("newsbot.dispatch")



#: a chat title is the platform's metadata, shown and stored whole up to the column's size
TITLE_CHARS = 256


def clean_request(request: Request) -> Request:
    """Every text that came from outside, cleaned once, here (handlers.parse.clean_input);
    never cut, but a chat title longer than its column (a platform's metadata, not content)."""
    title = clean_input(request.chat_title, multiline=False) or None
    if title and len(title) > TITLE_CHARS:
        title = title[: TITLE_CHARS - 1] + "…"
    return dataclasses.replace(
        request, command=(request.command or "").strip().lower(),
        args=clean_input(request.args), chat_title=title,
        user_name=clean_input(request.user_name, multiline=False) or None,
        replied_text=clean_input(request.replied_text) or None)


def error_reply(message: str, usage: str | None = None, lang: str = "fr") -> Reply:
    b = ReplyBuilder().para(message)
    if usage:
        b.para(Span(t("usage", lang, usage=usage), italic=True))
    return b.build(is_error=True)


async def resolve(deps: Deps, request: Request) -> Request:
    """Fill in language and admin rights from the database (and record the chat)."""
    async with deps.uow() as uow:
        chat = await chat_seen(
            uow, request.platform, request.chat_id,
            kind=request.chat_kind, title=request.chat_title, now=deps.clock(),
        )
        lang = (
            normalize_language(request.forced_language)
            or normalize_language(chat.language)
            or normalize_language(request.user_language)
            or deps.default_language
        )
        is_admin = request.user_id in deps.owners.get(request.platform, frozenset()) or (
            await uow.admins.is_admin(request.platform, request.user_id)
        )
    return dataclasses.replace(request, language=lang, is_admin=is_admin)


async def dispatch(registry: Registry, deps: Deps, request: Request) -> Reply:
    """The reply to ``request``, in the request's language (``Reply.language`` set)."""
    reply, lang = await _dispatch(registry, deps, request)
    return reply.in_language(lang)


async def _dispatch(registry: Registry, deps: Deps, request: Request) -> tuple[Reply, str]:
    """The reply and the language it was answered in."""
    started = time.perf_counter()
    request = clean_request(request)
    name = request.command
    lang = normalize_language(request.user_language) or deps.default_language
    outcome = "ok"
    try:
        request = await resolve(deps, request)
        lang = request.language
        if not name:
            outcome = "not_a_command"
            return error_reply(t("error.not_a_command", lang)), lang
        command = registry.get(name)
        if command is None:
            outcome = "unknown"
            return error_reply(t("error.unknown_command", lang, command=name[:64])), lang
        if command.admin and not request.is_admin:
            outcome = "refused"
            log.warning(
                "admin command refused",
                extra={"command": name, "platform": request.platform, "user": request.user_id},
            )
            return error_reply(t("error.admin_only", lang, command=name)), lang
        if len(request.args) > ARGS_MAX:  # refused whole: a command's text is never cut
            outcome = "too_long"
            return error_reply(t("error.too_long", lang, limit=ARGS_MAX, length=len(request.args)),
                               command.usage_in(lang), lang), lang
        try:
            return await command.handler(request, deps), lang
        except NotAllowed as exc:
            outcome = "refused"
            return error_reply(exc.message(lang)), lang
        except UserError as exc:
            outcome = "user_error"
            return error_reply(exc.message(lang), command.usage_in(lang) if exc.show_usage else None, lang), lang
    except Exception:
        outcome = "error"
        log.exception("command failed", extra={"command": name, "platform": request.platform})
        return error_reply(t("error.generic", lang)), lang
    finally:
        log.info(
            "command",
            extra={
                # an unknown name is whatever the user typed: not logged
                "command": "?" if outcome == "unknown" else name,
                "platform": request.platform, "chat_kind": request.chat_kind,
                "outcome": outcome, "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
