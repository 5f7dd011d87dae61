"""Platform-neutral command logic: a Request and its Deps in, a Reply out.

Nothing here imports a chat platform or the bot process (import-linter contract).
"""

from __future__ import annotations

from handlers.base import Command, Deps, Option, Registry, Request, UserError
from handlers.dispatch import dispatch
from handlers.reply import Reply


def build_registry() -> Registry:
    """Every command, once, in menu order: the ``COMMANDS`` tuples of the command modules.

    The platforms build their menus and routing from this; /help and /start list it too.
    """
    from handlers import (
        admins,
        calendar,
        content,
        desk_ops,
        editorial,
        events,
        info,
        news,
        program_admin,
        programme,
        revisions,
        subscriptions,
    )

    modules = (info, content, news, programme, subscriptions, editorial, revisions, admins,
               desk_ops, program_admin, events, calendar)
    return Registry(command for module in modules for command in module.COMMANDS)


__all__ = ["Command", "Deps", "Option", "Registry", "Reply", "Request", "UserError",
           "build_registry", "dispatch"]
