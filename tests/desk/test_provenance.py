"""Seed and import never overwrite the desk: run as an operator runs them (the real CLI)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.app import App
from storage.models import NewsItem, Participant
from storage.seed import DEFAULT_SEED, load_seed, read_seed
from tests.helpers import send, text_of
from tests.test_console import _bot

OWNER = {"user_id": "local"}


def test_seed_keeps_a_desk_correction_and_force_overwrites_it(tmp_path: Path) -> None:
    assert _bot(tmp_path, "migrate").returncode == 0
    assert _bot(tmp_path, "seed").returncode == 0
    edited = _bot(tmp_path, "ask", "/editparticipant 3 role Directeur adjoint")
    assert edited.returncode == 0 and "Modifié" in edited.stdout, edited.stdout
    body = _bot(tmp_path, "ask", "/edititem 2 body Texte corrigé par la rédaction.")
    assert body.returncode == 0, body.stdout

    seeded = _bot(tmp_path, "seed")
    assert seeded.returncode == 0
    assert "nothing changed" in seeded.stdout and "updated" not in seeded.stdout
    assert "kept 2 row(s) the desk changed" in seeded.stdout
    assert "participants #3" in seeded.stdout and "role.fr (desk revision #" in seeded.stdout
    assert "news_items #2" in seeded.stdout and "body.fr" in seeded.stdout
    assert "Directeur adjoint" in _bot(tmp_path, "ask", "/participants").stdout
    assert "Texte corrigé" in _bot(tmp_path, "ask", "/item 2").stdout

    forced = _bot(tmp_path, "seed", "--force")
    assert forced.returncode == 0 and "'participants': 1" in forced.stdout
    assert "Directeur adjoint" not in _bot(tmp_path, "ask", "/participants").stdout
    assert "nothing changed" in _bot(tmp_path, "seed").stdout  # the forced seed owns them now


def test_seed_export_import_seed_again_changes_nothing(tmp_path: Path) -> None:
    assert _bot(tmp_path, "seed").returncode == 0
    assert _bot(tmp_path, "ask", "/edititem 3 title.en A desk headline").returncode == 0
    export = tmp_path / "content.json"
    assert _bot(tmp_path, "export", str(export)).returncode == 0
    imported = _bot(tmp_path, "import", str(export))
    assert imported.returncode == 0 and "nothing changed" in imported.stdout, imported.stdout
    again = _bot(tmp_path, "seed")
    assert "nothing changed" in again.stdout and "news_items #3" in again.stdout
    second = tmp_path / "again.json"
    assert _bot(tmp_path, "export", str(second)).returncode == 0
    first, last = json.loads(export.read_text()), json.loads(second.read_text())
    first.pop("exported_at", None), last.pop("exported_at", None)
    assert first == last


async def test_only_the_desk_language_is_kept(desk: App) -> None:
    """A desk edit of role.fr keeps role.fr; the seed still corrects role.en."""
    await send(desk, "/editparticipant 3 role Directeur adjoint", **OWNER)
    data = read_seed(DEFAULT_SEED)
    key = data["participants"][2]["key"]
    data["participants"][2]["role"] = {"fr": "Autre", "en": "Seed English role"}
    async with desk.uow() as uow:
        report = await load_seed(uow.session, data)
    assert report.updated == {"participants": 1}
    async with desk.uow() as uow:
        from sqlalchemy import select

        row = (await uow.session.scalars(select(Participant).where(Participant.key == key))).one()
    assert row.role == {"fr": "Directeur adjoint", "en": "Seed English role"}
    assert "Seed English role" in await text_of(desk, "/history participant 3", **OWNER)


@pytest.mark.parametrize("undo_first", [True, False])
async def test_an_undone_desk_edit_no_longer_holds_the_field(desk: App, undo_first: bool) -> None:
    await send(desk, "/edititem 2 body Texte de la rédaction.", **OWNER)
    if undo_first:
        await send(desk, "/undo", **OWNER)
    data = read_seed(DEFAULT_SEED)
    data["items"][1]["body"]["fr"] = "Nouveau texte du paquet."
    async with desk.uow() as uow:
        report = await load_seed(uow.session, data)
    async with desk.uow() as uow:
        item = await uow.session.get(NewsItem, 2)
        assert item is not None
    if undo_first:
        assert item.body["fr"] == "Nouveau texte du paquet." and not report.skipped
    else:
        assert item.body["fr"] == "Texte de la rédaction." and report.skipped
