"""Every admin command refuses non-admins on every platform; /admin refuses plain admins too.

The lists come from the registry itself, so a new admin command cannot escape these tests.
"""

from __future__ import annotations

import pytest

from bot.app import App
from handlers import build_registry
from handlers.desk import OWNER_ONLY
from tests.desk.conftest import OWNERS, counts
from tests.helpers import send, text_of

ADMIN_COMMANDS = sorted(c.name for c in build_registry() if c.admin)
#: well-formed arguments, so a refusal cannot be mistaken for a usage error
GOOD_ARGS = {
    "additem": "Titre\nCorps", "edititem": "1 title Nouveau", "translate": "1 en\nTitle",
    "delitem": "1", "undo": "", "publish": "1 confirm", "admins": "", "admin": "add 999",
    "audit": "3", "broadcast": "Bonjour", "stats": "", "addsession": "Séance",
    "addparticipant": "Jane role=Chief", "editsession": "1 title X", "editparticipant": "1 spoke no",
    "setresolution": "status draft", "drafts": "", "revert": "1", "history": "item 1",
    "stillvalid": "item 1 en", "append": "1 Suite du texte.",
    "cancelsession": "1", "restoresession": "1",
}


def test_every_admin_command_has_sample_arguments() -> None:
    assert set(ADMIN_COMMANDS) == set(GOOD_ARGS)
    assert OWNER_ONLY and OWNER_ONLY <= set(ADMIN_COMMANDS)


@pytest.mark.parametrize("platform", ["console", "telegram", "discord"])
async def test_non_admins_are_refused_everything(desk: App, platform: str,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    before = await counts(desk)
    for name in ADMIN_COMMANDS:
        reply = await send(desk, f"/{name} {GOOD_ARGS[name]}", platform=platform, user_id="intruder")
        text = await text_of(desk, f"/{name} {GOOD_ARGS[name]}", platform=platform, user_id="intruder",
                             lang="en")
        assert reply.is_error, name
        assert f"The /{name} command is for the bot's administrators only." in text
    assert await counts(desk) == before
    assert sum("admin command refused" in r.message for r in caplog.records) == 2 * len(ADMIN_COMMANDS)
    # /help does not list them to a non-admin, nor explain them
    help_text = await text_of(desk, "/help", platform=platform, user_id="intruder")
    assert not any(f"/{name} " in help_text for name in ADMIN_COMMANDS)


@pytest.mark.parametrize("platform", ["console", "telegram", "discord"])
async def test_owner_only_commands_refuse_plain_admins(desk: App, platform: str,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    owner = OWNERS[platform]
    assert "is now an administrator" in await text_of(desk, "/admin add 555", platform=platform,
                                                      user_id=owner, lang="en")
    before = await counts(desk)
    for name in sorted(OWNER_ONLY):
        text = await text_of(desk, f"/{name} {GOOD_ARGS[name]}", platform=platform, user_id="555", lang="en")
        assert f"The /{name} command is for the bot's owners only." in text
    assert await counts(desk) == before
    refusals = [r for r in caplog.records if r.message == "owner command refused"]
    assert [(r.platform, r.user) for r in refusals] == [(platform, "555")] * len(OWNER_ONLY)  # type: ignore[attr-defined]
    # the appointed admin can run the others, e.g. /admins, and it is on this platform only
    assert f"{platform}:555" in await text_of(desk, "/admins", platform=platform, user_id="555")
    other = "discord" if platform != "discord" else "telegram"
    assert "administrators only" in await text_of(desk, "/admins", platform=other, user_id="555", lang="en")
    assert "no longer" in await text_of(desk, "/admin remove 555", platform=platform, user_id=owner, lang="en")
    assert "administrators only" in await text_of(desk, "/stats", platform=platform, user_id="555", lang="en")


async def test_owners_cannot_be_removed_from_chat(desk: App) -> None:
    text = await text_of(desk, "/admin remove local", user_id="local", lang="en")
    assert "is an owner" in text


async def test_admin_add_and_remove_in_spanish_and_arabic(desk: App) -> None:
    """handlers.words.ADD_REMOVE: the action word in any of the bot's languages."""
    assert "is now an administrator" in await text_of(desk, "/admin añadir 556", user_id="local",
                                                      lang="en")
    assert "console:556" in await text_of(desk, "/admins", user_id="local")
    assert "no longer" in await text_of(desk, "/admin إزالة 556", user_id="local", lang="en")
    assert (await send(desk, "/admin peut-être 556", user_id="local")).is_error
