"""Export/import round trip on SQLite and PostgreSQL: everything the desk made comes back."""

from __future__ import annotations

import asyncio
import copy
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.cli import main
from storage.seed import DEFAULT_SEED, load_seed, read_seed
from storage.transfer import TransferError, export_content, import_content
from tests.conftest import PG_URL, _pg_admin, make_settings, pg_database_url
from tests.desk.conftest import counts
from tests.helpers import send

OWNER = {"user_id": "local"}


@pytest.fixture
async def empty_app(db_url: str, tmp_path: Path) -> AsyncIterator[App]:
    """A migrated database with no content at all, on the same engine as ``db_url``."""
    if db_url.startswith("sqlite"):
        url, name = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}", None
    else:
        assert PG_URL
        name = f"newsbot_empty_{uuid.uuid4().hex[:10]}"
        await _pg_admin(f'CREATE DATABASE "{name}"')
        url = pg_database_url(name)
    settings = make_settings(url, bot={"seed_on_start": False})
    try:
        async with App(settings) as a:
            yield a
    finally:
        if name:
            await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def without_ids(data: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(data)
    for item in out["items"]:
        item.pop("id")
    return out


async def export_of(app: App) -> dict[str, Any]:
    async with app.uow() as uow:
        return await export_content(uow.session)


async def test_round_trip_keeps_drafts_deletions_and_desk_changes(desk: App, empty_app: App) -> None:
    draft = await send(desk, "/additem Brouillon en attente topics=cybercrime source=“Le Matin” "
                             "url=https://lematin.example/a at=2025-11-26T09:30\nTexte.", **OWNER)
    published = await send(desk, "/additem Publiée lang=en\nBody.", **OWNER)
    await send(desk, f"/publish {published.buttons[0].args} confirm", **OWNER)
    await send(desk, f"/translate {draft.buttons[0].args} en\nDraft waiting", **OWNER)
    await send(desk, "/delitem 2", **OWNER)
    await send(desk, "/addsession Atelier day=2025-11-26 topic=cybercrime\nDescription.", **OWNER)
    await send(desk, "/addparticipant Jane Doe role=Chief cc=NL spoke=yes", **OWNER)
    await send(desk, "/setresolution status draft", **OWNER)
    original = await export_of(desk)
    statuses = {i["title"].get("fr") or i["title"].get("en"): (i["status"], i["deleted_at"] is not None)
                for i in original["items"]}
    assert statuses["Brouillon en attente"] == ("draft", False)
    assert statuses["Publiée"] == ("published", False)
    assert sum(deleted for _, deleted in statuses.values()) == 1

    async with empty_app.uow() as uow:
        report = await import_content(uow.session, json.loads(json.dumps(original)))
    assert report.inserted["news_items"] == len(original["items"])
    assert without_ids(await export_of(empty_app)) == without_ids(original)
    async with empty_app.uow() as uow:  # a second import changes nothing
        assert not (await import_content(uow.session, original)).changed
    # the imported draft is still a draft, the deleted item still hidden, search works
    from tests.helpers import text_of

    assert "Atelier" in await text_of(empty_app, "/agenda 26/11")
    assert "Publiée" in await text_of(empty_app, "/search publiee")
    assert "Brouillon" not in await text_of(empty_app, "/news 50")


@pytest.mark.parametrize(("path", "value", "message"), [
    (("items", 1, "published_at"), "2025-11-25T10:00", "items[1].published_at: expected an ISO 8601 time with a zone"),
    (("items", 0, "topics"), ["quidditch"], "items[0].topics: unknown topic 'quidditch'"),
    (("agenda", 2, "sources"), ["nowhere"], "agenda[2].sources: unknown source key 'nowhere'"),
    (("items", 3, "status"), "archived", "items[3].status: expected draft or published"),
    (("participants", 0, "key"), None, "participants[0].key: expected a key"),
])
async def test_a_bad_entry_is_named_and_nothing_is_written(
        desk: App, path: tuple[Any, ...], value: Any, message: str) -> None:
    data = await export_of(desk)
    target: Any = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    data["items"][4]["title"] = {"fr": "Changé par l’import"}  # a valid change before the bad entry
    before = await counts(desk)
    with pytest.raises(TransferError) as err:
        async with desk.uow() as uow:
            await import_content(uow.session, data)
    assert message in str(err.value)
    assert await counts(desk) == before
    assert without_ids(await export_of(desk))["items"][4]["title"] != {"fr": "Changé par l’import"}


def test_cli_export_then_import(sqlite_template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    shutil.copyfile(sqlite_template, tmp_path / "source.db")
    for name, db in (("source", "source.db"), ("target", "target.db")):
        (tmp_path / f"{name}.toml").write_text(
            f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / db}"\n[bot]\nseed_on_start = false\n')
    out = tmp_path / "content.json"
    assert main(["export", str(out), "--config", str(tmp_path / "source.toml")]) == 0
    assert "exported interpol-ga-93: 10 items" in capsys.readouterr().out
    assert main(["import", str(out), "--config", str(tmp_path / "target.toml")]) == 0
    assert "inserted" in capsys.readouterr().out
    assert main(["import", str(out), "--config", str(tmp_path / "target.toml")]) == 0
    assert "nothing changed" in capsys.readouterr().out
    broken = tmp_path / "broken.json"
    broken.write_text(out.read_text().replace('"status": "published"', '"status": "live"', 1))
    assert main(["import", str(broken), "--config", str(tmp_path / "target.toml")]) == 2
    assert "import refused, nothing written: items[0].status" in capsys.readouterr().err
    assert asyncio.run(_count_items(tmp_path / "target.db")) == 10


async def _count_items(db: Path) -> int:
    async with App(make_settings(f"sqlite+aiosqlite:///{db}", bot={"seed_on_start": False})) as app:
        return (await counts(app))["news_items"]


async def test_round_trip_keeps_every_source_in_order(desk: App, empty_app: App) -> None:
    """Rows citing several sources come back with all of them, in their order; a file that
    names one ``"source"`` (an older export) still imports."""
    data = read_seed(DEFAULT_SEED)
    two = ["cyber-resolution-article", "marrakech-opening-article"]
    for entry in (data["event"], data["resolution"], data["agenda"][1], data["participants"][0],
                  data["items"][3]):
        entry.pop("source", None)
        entry["sources"] = list(reversed(two)) if entry is data["agenda"][1] else two
    async with desk.uow() as uow:
        await load_seed(uow.session, data)
    original = await export_of(desk)
    assert original["event"]["sources"] == two and original["resolution"]["sources"] == two
    assert original["agenda"][1]["sources"] == list(reversed(two))
    assert original["participants"][0]["sources"] == two
    assert next(i for i in original["items"] if i["key"] == data["items"][3]["key"])["sources"] == two
    async with empty_app.uow() as uow:
        await import_content(uow.session, json.loads(json.dumps(original)))
    assert without_ids(await export_of(empty_app)) == without_ids(original)
    async with empty_app.uow() as uow:  # a second import changes nothing
        assert not (await import_content(uow.session, original)).changed

    older = copy.deepcopy(original)
    older["participants"][1]["source"] = older["participants"][1].pop("sources")[0]
    async with empty_app.uow() as uow:
        assert not (await import_content(uow.session, older)).changed
