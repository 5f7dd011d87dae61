"""What an admin types is stored whole and as meant, or refused with the reason — never cut,
never half-parsed (issue "The news desk never loses or misstates content")."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import App
from bot.platforms.console import ask
from handlers.admin_input import BODY_MAX, NAME_MAX
from handlers.reply import plain_text
from storage.models import NewsItem
from tests.desk.conftest import counts
from tests.helpers import send

OWNER = {"user_id": "local", "lang": "en"}


async def _item(app: App, item_id: int) -> NewsItem:
    async with app.uow() as uow:
        item = await uow.items.get(item_id)
        assert item is not None
        return item


def _words(n: int) -> str:
    """A text of exactly ``n`` characters, words and line breaks, as a newsroom writes it."""
    text = ("Police forces met in Marrakech.\n" * (n // 32 + 1))[:n]
    return text[:-1] + "." if text[-1].isspace() else text


# 1. Never cut


async def test_a_6000_character_body_is_stored_whole(desk: App) -> None:
    body = _words(6000)
    reply = await send(desk, f"/additem A long report topics=cybercrime\n{body}", **OWNER)
    assert not reply.is_error, plain_text(reply)
    item = await _item(desk, int(reply.buttons[0].args))
    assert item.body == {"en": body} and len(item.body["en"]) == 6000


async def test_the_longest_body_is_stored_whole_one_more_character_is_refused(desk: App) -> None:
    longest = _words(BODY_MAX)
    reply = await send(desk, f"/additem The longest report\n{longest}", **OWNER)
    assert not reply.is_error, plain_text(reply)
    assert (await _item(desk, int(reply.buttons[0].args))).body == {"en": longest}

    before = await counts(desk)
    refused = await send(desk, f"/additem One too many\n{_words(BODY_MAX + 1)}", **OWNER)
    text = plain_text(refused)
    assert refused.is_error and "8000" in text and "8001" in text, text
    assert await counts(desk) == before


async def test_the_console_ask_path_stores_a_long_body_whole(desk: App) -> None:
    body = _words(6000)
    shown = await ask(desk, f"/additem Long report from the console\n{body}", lang="en")
    assert "Draft #" in shown
    async with desk.uow() as uow:
        item = (await uow.session.scalars(select(NewsItem).order_by(NewsItem.id.desc()))).first()
    assert item is not None and item.body == {"en": body}


async def test_a_command_over_the_hard_cap_is_refused_with_limit_and_length(desk: App) -> None:
    from handlers.admin_input import ARGS_MAX

    before = await counts(desk)
    text = f"Too long\n{_words(ARGS_MAX + 50)}"
    refused = await send(desk, f"/additem {text}", **OWNER)
    shown = plain_text(refused)
    assert refused.is_error and str(ARGS_MAX) in shown and str(len(text)) in shown, shown
    assert await counts(desk) == before
    # the cap leaves room for the longest admissible /additem: title, body and every option
    assert ARGS_MAX >= 200 + BODY_MAX + 2 * NAME_MAX + 2000


async def test_a_long_source_name_is_refused_not_cut(desk: App) -> None:
    before = await counts(desk)
    name = "N" * (NAME_MAX + 1)
    refused = await send(desk, f"/additem Title source=“{name}”\nBody.", **OWNER)
    shown = plain_text(refused)
    assert refused.is_error and "200" in shown and "201" in shown, shown
    refused = await send(desk, f"/editparticipant 1 source {name}", **OWNER)
    shown = plain_text(refused)
    assert refused.is_error and "200" in shown and "201" in shown, shown
    refused = await send(desk, f"/edititem 1 source {name}", **OWNER)
    assert refused.is_error and "201" in plain_text(refused)
    assert await counts(desk) == before
