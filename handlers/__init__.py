"""Platform-neutral command logic: a Request and its Deps in, a Reply out.

Nothing here imports a chat platform or the bot process (import-linter contract).
"""

from __future__ import annotations

from handlers.base import Command, Deps, Option, Registry, Request, UserError
from handlers.dispatch import dispatch
from handlers.reply import Reply


def build_registry() -> Registry:
    """Every command, registered once; the platforms build their menus from this."""
    from handlers import (
        admins,
        content,
        desk_ops,
        editorial,
        info,
        news,
        program_admin,
        revisions,
        subscriptions,
    )

    registry = Registry()
    for module in (info, content, news, subscriptions, editorial, revisions, admins, desk_ops,
                   program_admin):
        module.register(registry)
    return registry


__all__ = ["Command", "Deps", "Option", "Registry", "Reply", "Request", "UserError",
           "build_registry", "dispatch"]
