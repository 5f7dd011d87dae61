"""/admins and /admin add|remove: owners (from the config) appoint the bot's administrators.

Owners are per platform (``[telegram] owners`` …) and cannot be removed from chat; admins
appointed here are stored per platform and may run every admin command except /admin.
"""

from __future__ import annotations

import re
from functools import lru_cache

from sqlalchemy import select

from handlers.base import Command, Deps, Option, Request, UserError
from handlers.desk import audit, require_owner
from handlers.i18n import t
from handlers.reply import Reply, ReplyBuilder, Span
from handlers.words import ADD_REMOVE
from storage.models import Admin


@lru_cache(maxsize=8)
def _user_pattern(platforms: tuple[str, ...]) -> re.Pattern[str]:
    """'<user id>' or '<platform>:<user id>' for the platforms the bot knows."""
    names = "|".join(re.escape(p) for p in sorted(platforms, key=len, reverse=True))
    prefix = f"(?:({names}):)?" if names else "()?"
    return re.compile(prefix + r"([A-Za-z0-9_.-]{1,64})")


def parse_user(value: str, default_platform: str,
               platforms: tuple[str, ...]) -> tuple[str, str]:
    """'12345' or 'discord:12345' -> (platform, user id); ``platforms``: the known names
    (``Deps.platforms``)."""
    m = _user_pattern(platforms).fullmatch(value.strip().lstrip("@"))
    if not m:
        raise UserError("admins.bad_user", value=value.strip()[:40])
    return m.group(1) or default_platform, m.group(2)


async def admins(req: Request, deps: Deps) -> Reply:
    lang = req.language
    async with deps.uow() as uow:
        rows = await uow.admins.list()
    b = ReplyBuilder().heading(t("admins.title", lang))
    owners = [f"{p}:{u}" for p in deps.platforms for u in sorted(deps.owners.get(p, ()))]
    b.para(Span(t("admins.owners", lang), bold=True), ", ".join(owners) or "—")
    if rows:
        b.bullets([(Span(f"{a.platform}:{a.user_id}", code=True),
                    Span(f" — {a.added_by or '?'}, {a.created_at:%Y-%m-%d}", italic=True))
                   for a in rows])
    else:
        b.para(t("admins.none", lang))
    return b.build()


async def admin(req: Request, deps: Deps) -> Reply:
    require_owner(req, deps)
    parts = req.args.split()
    adding = ADD_REMOVE.get(parts[0]) if len(parts) == 2 else None
    if adding is None:
        raise UserError("admin.missing")
    platform, user = parse_user(parts[1], req.platform, deps.platforms)
    lang = req.language
    if user in deps.owners.get(platform, frozenset()):
        raise UserError("admins.owner", show_usage=False, user=user)
    async with deps.uow() as uow:
        row = (await uow.session.scalars(
            select(Admin).where(Admin.platform == platform, Admin.user_id == user))).first()
        if adding:
            if row is not None:
                return ReplyBuilder().para(t("admins.already", lang, user=user, platform=platform)).build()
            uow.session.add(Admin(platform=platform, user_id=user, added_by=f"{req.platform}:{req.user_id}"))
            await uow.session.flush()
            await audit(uow, req, "admin.add", f"{platform}:{user}", after={"admin": True})
            return ReplyBuilder().para(t("admins.added", lang, user=user, platform=platform)).build()
        if row is None:
            raise UserError("admins.not_found", show_usage=False, user=user, platform=platform)
        await uow.session.delete(row)
        await audit(uow, req, "admin.remove", f"{platform}:{user}", before={"admin": True})
        return ReplyBuilder().para(t("admins.removed", lang, user=user, platform=platform)).build()


COMMANDS: tuple[Command, ...] = (
    Command(
        "admins", admins, admin=True, group="admin",
        usage="/admins",
    ),
    Command(
        "admin", admin, admin=True, group="admin",
        usage="/admin add|remove <user id>",
        options=(Option("action", "option.admin.action", required=True,
                        choices=("add", "remove")),
                 Option("user", "option.admin.user", required=True)),
    ),
)
