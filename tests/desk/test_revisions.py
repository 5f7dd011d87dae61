"""Revisions and an exact undo, typed as an admin types them (console App, real publisher)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.app import App
from handlers.reply import plain_text
from storage.models import OutboxMessage, Participant, Source
from tests.desk.conftest import counts, item_of
from tests.helpers import send, text_of

OWNER = {"user_id": "local"}


async def _deliver_alerts(app: App) -> None:
    """What the outbox worker records once it sent the pending alerts (one message each)."""
    async with app.uow() as uow:
        rows = (await uow.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "alert", OutboxMessage.status == "pending"))).all()
        for n, row in enumerate(rows):
            row.status, row.sent_at = "sent", dt.datetime.now(dt.UTC)
            row.platform_message_ids = [str(900 + n)]


async def test_undo_of_a_publish_withdraws_it_and_keeps_the_translation(desk: App) -> None:
    assert "Abonnement" in await text_of(desk, "/subscribe alerts", chat_id="reader", user_id="r1")
    added = await send(desk, "/additem Nouveau titre\nLe texte.", lang="en", **OWNER)
    item_id = int(added.buttons[0].args)
    await send(desk, f"/translate {item_id} fr\nTitre français\nTexte français.", **OWNER)
    await send(desk, f"/publish {item_id}", **OWNER)
    assert "publiée" in await text_of(desk, f"/publish {item_id} confirm", **OWNER)
    await _deliver_alerts(desk)

    undone = await text_of(desk, "/undo", **OWNER)
    assert f"publication (nouvelle #{item_id})" in undone
    assert "retirée (redevenue brouillon)" in undone
    assert "1 message remplacé par" in undone  # the reader's alert becomes a withdrawal notice
    item = await item_of(desk, item_id)
    assert item.status == "draft"
    assert item.title == {"en": "Nouveau titre", "fr": "Titre français"}  # translation kept
    async with desk.uow() as uow:
        edits = (await uow.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "edit"))).all()
    assert len(edits) == 1 and "retirée" in str(edits[0].payload["blocks"])

    again = await text_of(desk, "/undo", **OWNER)  # the one before: the translation, only that
    assert f"traduction (nouvelle #{item_id})" in again
    item = await item_of(desk, item_id)
    assert item.title == {"en": "Nouveau titre"} and item.status == "draft"


async def test_undo_takes_back_the_callers_last_change_not_an_older_one(desk: App) -> None:
    before_url = (await item_of(desk, 2)).source_id
    await send(desk, "/edititem 2 url https://example.org/a", **OWNER)
    assert (await item_of(desk, 2)).source_id != before_url
    url_source = (await item_of(desk, 2)).source_id
    added = await text_of(desk, "/addparticipant Jane Doe role=Chief", **OWNER)
    assert "Participant ajouté" in added
    undone = await text_of(desk, "/undo", **OWNER)
    assert "ajout (participant #" in undone and "nom\u00a0: «\u202fJane Doe\u202f» → —" in undone
    async with desk.uow() as uow:
        names = (await uow.session.scalars(select(Participant.name))).all()
    assert not any(name.startswith("Jane") for name in names)  # the new participant is gone
    assert (await item_of(desk, 2)).source_id == url_source  # the older URL edit stays
    undone = await text_of(desk, "/undo", **OWNER)
    assert "source" in undone and (await item_of(desk, 2)).source_id == before_url


async def test_undo_never_clobbers_another_admins_later_change(desk: App) -> None:
    await send(desk, "/admin add 42", **OWNER)
    await send(desk, "/edititem 3 title Titre de local", **OWNER)
    await send(desk, "/edititem 3 title Titre de 42", user_id="42")
    before = await counts(desk)
    refused = await text_of(desk, "/undo", **OWNER)
    assert "Non annulé" in refused and "titre (fr)" in refused
    assert (await item_of(desk, 3)).title["fr"] == "Titre de 42"
    assert await counts(desk) == before  # nothing written
    # another language is a different field: no conflict
    await send(desk, "/edititem 3 title.en English by local", **OWNER)
    assert "Annulé" in await text_of(desk, "/undo", **OWNER)
    assert (await item_of(desk, 3)).title["fr"] == "Titre de 42"


async def test_history_and_revert_an_older_revision(desk: App) -> None:
    await send(desk, "/edititem 4 title Premier changement", **OWNER)
    await send(desk, "/edititem 4 body Un nouveau texte.", **OWNER)
    history = await text_of(desk, "/history item 4", **OWNER)
    assert "Révisions — nouvelle #4" in history
    assert "titre (fr)\u00a0: «" in history and "→ «\u202fPremier changement\u202f»" in history
    async with desk.uow() as uow:
        from storage.revisions import history as revs

        first = next(e for e in await revs(uow.session, "item", 4) if "title.fr" in (e.fields or []))
    reverted = await text_of(desk, f"/revert {first.id}", **OWNER)
    assert f"Révision #{first.id} annulée" in reverted
    item = await item_of(desk, 4)
    assert item.title["fr"] != "Premier changement" and item.body["fr"] == "Un nouveau texte."
    assert "déjà annulée" in await text_of(desk, f"/revert {first.id}", **OWNER)


async def test_audit_is_readable_with_names_not_ids(desk: App) -> None:
    await send(desk, "/edititem 2 source Le Matin", **OWNER)
    text = await text_of(desk, "/audit 1", **OWNER)
    assert "source\u00a0: " in text and "→ Le Matin" in text
    assert "source_id" not in text and "{" not in text
    async with desk.uow() as uow:
        assert (await uow.session.scalars(select(Source).where(Source.title == "Le Matin"))).first()


async def test_a_long_value_is_shown_shortened_but_stored_whole(desk: App) -> None:
    body = "Mot " * 500
    await send(desk, f"/edititem 5 body {body}", **OWNER)
    assert (await item_of(desk, 5)).body["fr"] == body.strip()
    text = await text_of(desk, "/audit 1", **OWNER)
    assert "Mot Mot …" in text and len(text) < 1000


async def test_confirm_publishes_only_the_state_that_was_previewed(desk: App) -> None:
    await send(desk, "/admin add 42", **OWNER)
    added = await send(desk, "/additem Titre vu\nTexte vu.", **OWNER)
    item_id = int(added.buttons[0].args)
    await send(desk, f"/publish {item_id}", **OWNER)
    await send(desk, f"/edititem {item_id} title Titre changé par 42", user_id="42")
    refused = await send(desk, f"/publish {item_id} confirm", **OWNER)
    text = plain_text(refused)
    assert f"La nouvelle #{item_id} a changé depuis votre aperçu" in text
    assert "Titre changé par 42" in text  # the new preview
    assert [(b.command, b.args) for b in refused.buttons] == [("publish", f"{item_id} confirm")]
    assert (await item_of(desk, item_id)).status == "draft"
    assert "publiée" in await text_of(desk, f"/publish {item_id} confirm", **OWNER)
    assert (await item_of(desk, item_id)).status == "published"


async def test_a_confirm_without_any_preview_shows_one_first(desk: App) -> None:
    await send(desk, "/admin add 42", **OWNER)
    added = await send(desk, "/additem Titre\nTexte.", **OWNER)
    item_id = int(added.buttons[0].args)
    first = await text_of(desk, f"/publish {item_id} confirm", user_id="42")
    assert "a changé depuis votre aperçu" in first and (await item_of(desk, item_id)).status == "draft"
    assert "publiée" in await text_of(desk, f"/publish {item_id} confirm", user_id="42")


async def test_preview_warns_of_a_missing_text_or_source(desk: App) -> None:
    added = await send(desk, "/additem Un titre seul", **OWNER)
    preview = await text_of(desk, f"/publish {added.buttons[0].args}", **OWNER)
    assert "⚠ Pas de texte" in preview and "⚠ Pas de source" in preview
    sourced = await send(desk, "/additem Titre source=“Le Matin”\nTexte.", **OWNER)
    preview = await text_of(desk, f"/publish {sourced.buttons[0].args}", **OWNER)
    assert "⚠" not in preview


async def test_an_edit_in_one_language_marks_the_others_for_translation(desk: App) -> None:
    added = await send(desk, "/additem Titre fr\nTexte fr.", **OWNER)
    item_id = int(added.buttons[0].args)
    await send(desk, f"/translate {item_id} en\nTitle en\nText en.", **OWNER)
    edited = await text_of(desk, f"/edititem {item_id} body Texte fr corrigé.", lang="en", **OWNER)
    assert "(body (fr))" in edited  # the reply names the language it changed
    assert f"⚠ Needs translation into en: body. /translate, /edit… .en, or /stillvalid item {item_id} en" \
        in edited
    await send(desk, f"/publish {item_id}", **OWNER)
    await send(desk, f"/publish {item_id} confirm", **OWNER)
    reader = await text_of(desk, f"/item {item_id}", lang="en")
    assert "Text en." in reader and "(Translation being updated.)" in reader
    assert "(Traduction" not in await text_of(desk, f"/item {item_id}", lang="fr")
    drafts_view = await text_of(desk, f"/translate {item_id} en\nTitle en\nText en, updated.", **OWNER)
    assert "⚠" not in drafts_view  # translated: current again
    assert "(Translation being updated.)" not in await text_of(desk, f"/item {item_id}", lang="en")


async def test_stillvalid_clears_the_mark_and_undo_puts_it_back(desk: App) -> None:
    await send(desk, "/setresolution date 27 novembre 2025 (vote final)", **OWNER)
    marked = await text_of(desk, "/resolution", lang="en")
    assert "(Translation being updated.)" in marked
    assert "Nothing to translate" in await text_of(desk, "/stillvalid resolution 1 fr", lang="en",
                                                   **OWNER)
    assert "confirmés à jour" in await text_of(desk, "/stillvalid resolution 1 en", **OWNER)
    assert "(Translation being updated.)" not in await text_of(desk, "/resolution", lang="en")
    await send(desk, "/undo", **OWNER)
    assert "(Translation being updated.)" in await text_of(desk, "/resolution", lang="en")
    drafts = await text_of(desk, "/history resolution 1", **OWNER)
    assert "date d’adoption (en)\u00a0: à retraduire" in drafts


async def test_a_long_body_is_typed_in_several_messages_with_append(desk: App) -> None:
    """One Telegram message holds 4,096 characters; the body may hold 8,000."""
    part = ("Paragraphe " + "mot " * 900).strip()  # 3,611 characters each
    added = await send(desk, f"/additem Long texte\n{part}", **OWNER)
    item_id = int(added.buttons[0].args)
    reply = await text_of(desk, f"/append {item_id}\n{part}", **OWNER)
    assert f"texte (fr) complété, {2 * len(part) + 2} caractères sur 8000" in reply
    assert (await item_of(desk, item_id)).body["fr"] == f"{part}\n\n{part}"
    refused = await text_of(desk, f"/append {item_id}\n{part}", **OWNER)
    assert "trop long" in refused and "8000" in refused and str(3 * len(part) + 4) in refused
    assert (await item_of(desk, item_id)).body["fr"] == f"{part}\n\n{part}"  # nothing cut
    await send(desk, f"/append {item_id} en\nEnglish start.", **OWNER)
    assert (await item_of(desk, item_id)).body["en"] == "English start."
    assert "Annulé" in await text_of(desk, "/undo", **OWNER)
    assert "en" not in (await item_of(desk, item_id)).body


async def test_a_session_dated_outside_the_event_asks_for_confirmation(desk: App) -> None:
    refused = await text_of(desk, "/editsession opening-ceremony day 2025-12-25", **OWNER)
    assert "Le jeudi 25 décembre 2025 tombe en dehors de l’événement" in refused
    assert "lundi 24 novembre 2025" in refused and "2025-12-25!" in refused
    assert "Cérémonie d’ouverture" in await text_of(desk, "/agenda lundi")  # unchanged
    assert "Modifié" in await text_of(desk, "/editsession opening-ceremony day 2025-12-25!", **OWNER)
    history = await text_of(desk, "/history session 1", lang="en", **OWNER)
    assert "day: Monday 24 November 2025 → Thursday 25 December 2025" in history
    added = await text_of(desk, "/addsession Atelier day=2026-01-10\nTexte.", **OWNER)
    assert "tombe en dehors" in added


async def test_every_content_action_has_its_words() -> None:
    """/audit and /history name every kind of revision (a missing text crashed /audit)."""
    from handlers.catalog import CATALOG
    from storage.revisions import CONTENT_ACTIONS, REVERT, UNDO

    for action in (*CONTENT_ACTIONS, UNDO, REVERT):
        assert set(CATALOG[f"revision.action.{action}"]) >= {"fr", "en"}, action


async def test_audit_after_a_command_that_created_a_source(desk: App) -> None:
    await send(desk, "/edititem 2 url https://example.org/new", **OWNER)
    text = await text_of(desk, "/audit 5", **OWNER)
    assert "ajout (source #" in text and "Désolé" not in text


async def test_undo_of_an_add_says_what_it_removed_without_noise(desk: App) -> None:
    added = await send(desk, "/additem Titre éphémère source=MAP\nTexte.", **OWNER)
    item_id = int(added.buttons[0].args)
    undone = await text_of(desk, "/undo", **OWNER)
    assert f"ajout (nouvelle #{item_id})" in undone
    assert "titre (fr)\u00a0: «\u202fTitre éphémère\u202f» → —" in undone
    assert "— → —" not in undone and "rétablie" not in undone
