"""What an admin types is stored whole and as meant, or refused with the reason — never cut,
never half-parsed (issue "The news desk never loses or misstates content")."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import App
from bot.platforms.console.frontend import ask
from handlers.admin_input import BODY_MAX, NAME_MAX
from handlers.reply import plain_text
from storage.models import NewsItem, Participant
from tests.desk.conftest import counts
from tests.helpers import send

OWNER = {"user_id": "local", "lang": "en"}


async def _item(app: App, item_id: int) -> NewsItem:
    async with app.uow() as uow:
        item = await uow.items.get(item_id)
        assert item is not None
        return item


async def _participant(app: App, name: str) -> Participant:
    async with app.uow() as uow:
        row = (await uow.session.scalars(select(Participant).where(Participant.name == name))).first()
        assert row is not None, name
        return row


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


# 2. An option's value runs to the next option or the end of the line


async def test_option_values_run_to_the_next_option(desk: App) -> None:
    reply = await send(desk, "/addparticipant Jane Doe role=Chief of Police country=Kenya cc=KE", **OWNER)
    assert not reply.is_error, plain_text(reply)
    jane = await _participant(desk, "Jane Doe")
    assert jane.role == {"en": "Chief of Police"} and jane.country == {"en": "Kenya"}
    assert jane.country_code == "KE"

    reply = await send(desk, "/additem Interpol adopts the resolution source=Le Matin du Sud "
                             "topics=cybercrime, governance lang=en\nThe text.", **OWNER)
    assert not reply.is_error, plain_text(reply)
    item = await _item(desk, int(reply.buttons[0].args))
    assert item.title == {"en": "Interpol adopts the resolution"} and item.body == {"en": "The text."}
    assert item.topics == ["cybercrime", "governance"]
    assert item.source is not None and item.source.title == "Le Matin du Sud"


async def test_quoted_values_and_header_lines_keep_working(desk: App) -> None:
    reply = await send(desk, "/addparticipant Ann Lee role=“Head of Unit” org=«Interpol» "
                             "country='Côte d’Ivoire' cc=CI", **OWNER)
    assert not reply.is_error, plain_text(reply)
    ann = await _participant(desk, "Ann Lee")
    assert ann.role == {"en": "Head of Unit"} and ann.organisation == {"en": "Interpol"}
    assert ann.country == {"en": "Côte d’Ivoire"}

    reply = await send(desk, "/addparticipant Bob Roe\nrole: Chief of Police\ncountry: Kenya\ncc: ke", **OWNER)
    assert not reply.is_error, plain_text(reply)
    bob = await _participant(desk, "Bob Roe")
    assert bob.role == {"en": "Chief of Police"} and bob.country_code == "KE"

    reply = await send(desk, "/addsession Cyber workshop day=2025-11-26 topic=cybercrime\n"
                             "source: Le Matin\nThe description.", **OWNER)
    assert not reply.is_error, plain_text(reply)


async def test_ambiguous_options_are_refused_and_nothing_is_stored(desk: App) -> None:
    before = await counts(desk)
    for typed, hint in (
        ("/addparticipant Jane role=Chief role=Boss", "twice"),
        ("/addparticipant Jane role=Chief\nrole: Boss", "twice"),
        ("/additem Title lang=en langue=fr\nBody.", "twice"),
        ("/addparticipant Jane country=Kenya role=", "no value"),
        ("/addparticipant Jane role= country=Kenya", "no value"),
        ("/addparticipant Jane role=“Chief” of Police", "of Police"),
        ("/addparticipant Jane role=“Chief of Police", "not closed"),
        ("/addparticipant Jane role=Chief // Head of unit", "Head of unit"),
        ("/additem Title source=“Le Matin” Rabat topics=cybercrime\nBody.", "Rabat"),
        ("/addparticipant Jane role=Chief rank=3", "rank"),
        ("/addparticipant Jane role=Chief\norg Interpol", "org Interpol"),
        ("/addsession Workshop title=Other\nText.", "twice"),
        ("/addparticipant Jane role=Chief name=Janet", "twice"),
    ):
        reply = await send(desk, typed, **OWNER)
        shown = plain_text(reply)
        assert reply.is_error and hint in shown, (typed, shown)
    assert await counts(desk) == before


async def test_one_line_title_options_and_body_still_split_for_discord(desk: App) -> None:
    reply = await send(desk, "/additem Committee elected topics=governance source=Le Matin // The vote took place.",
                       platform="discord", user_id="2001", lang="en")
    assert not reply.is_error, plain_text(reply)
    item = await _item(desk, int(reply.buttons[0].args))
    assert item.title == {"en": "Committee elected"} and item.body == {"en": "The vote took place."}
    assert item.source is not None and item.source.title == "Le Matin"


# 3. Country codes are ISO 3166-1 alpha-2


async def test_country_codes_must_exist(desk: App) -> None:
    before = await counts(desk)
    for typed in ("/addparticipant Jane role=Chief cc=XX", "/addparticipant Jane role=Chief cc=ZZ",
                  "/addparticipant Jane role=Chief cc=EU", "/editparticipant 1 cc QQ"):
        reply = await send(desk, typed, **OWNER)
        shown = plain_text(reply)
        assert reply.is_error and "ISO 3166" in shown, (typed, shown)
    assert await counts(desk) == before
    assert not (await send(desk, "/editparticipant 1 cc fr", **OWNER)).is_error
    async with desk.uow() as uow:
        row = await uow.session.get(Participant, 1)
        assert row is not None and row.country_code == "FR"
