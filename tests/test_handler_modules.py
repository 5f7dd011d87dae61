"""Commands are module-level functions declared as data: importable and callable alone, and
the registry is exactly the modules' COMMANDS tuples."""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from handlers import (
    admins,
    build_registry,
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
from handlers.base import Command, Deps, Registry, Request
from handlers.news import news as news_command
from handlers.reply import plain_text
from storage.db import make_engine, make_session_factory
from storage.text import LANGUAGES
from storage.uow import UnitOfWork

MODULES = (info, content, news, programme, subscriptions, editorial, revisions, admins, desk_ops,
           program_admin, events, calendar)
NOW = dt.datetime(2025, 11, 28, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
async def deps(sqlite_url: str) -> AsyncIterator[Deps]:
    """Deps on a real, migrated and seeded SQLite database; no App, no platform."""
    engine = make_engine(sqlite_url)
    factory = make_session_factory(engine)
    try:
        yield Deps(uow=lambda: UnitOfWork(factory), clock=lambda: NOW)
    finally:
        await engine.dispose()


async def test_a_command_is_imported_and_called_alone(deps: Deps) -> None:
    reply = await news_command(Request("console", "c1", "u1", "news", "3", language="en"), deps)
    text = plain_text(reply)
    assert reply.title == "Latest news"
    rows = [line for line in text.splitlines() if line.startswith("#")]
    assert [row.split()[0] for row in rows] == ["#10", "#9", "#8"]  # the 3 latest, newest first
    assert "Sources:" in text and text.endswith("Read: /item 10")


async def test_a_command_raises_its_user_error_when_called_alone(deps: Deps) -> None:
    from handlers.base import UserError

    with pytest.raises(UserError) as caught:
        await news_command(Request("console", "c1", "u1", "news", "zero"), deps)
    assert caught.value.key == "news.bad_count"


async def test_help_lists_the_registry_when_called_alone(deps: Deps) -> None:
    text = plain_text(await info.help_(Request("console", "c1", "u1", "help", language="fr"), deps))
    public = [c for c in build_registry() if c.listed and not c.admin]
    assert public and all(c.usage_in("fr") in text for c in public)
    assert "/additem" not in text  # not an admin here


def test_the_registry_has_exactly_the_modules_commands() -> None:
    declared = [c for m in MODULES for c in m.COMMANDS]
    registry = build_registry()
    assert [c.name for c in registry] == [c.name for c in declared]
    assert all(registry.get(c.name) is c for c in declared)
    assert len(registry) == len(declared) == len({c.name for c in declared})
    for module in MODULES:
        assert all(isinstance(c, Command) for c in module.COMMANDS)
        # every handler is the module's own top-level function, importable by name
        for c in module.COMMANDS:
            assert c.handler.__qualname__ == c.handler.__name__, c.name
            assert getattr(module, c.handler.__name__) is c.handler, c.name


def test_building_the_registry_twice_gives_the_same_commands() -> None:
    """No registration by side effect: building again neither doubles nor loses anything."""
    first, second = build_registry(), build_registry()
    assert [c.name for c in first] == [c.name for c in second]
    assert list(first) == list(second)


def test_a_command_name_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        Registry([*news.COMMANDS, news.COMMANDS[0]])


def test_no_command_module_registers_through_a_closure() -> None:
    root = Path(__file__).resolve().parent.parent / "handlers"
    for module in MODULES:
        tree = ast.parse((root / f"{module.__name__.split('.')[-1]}.py").read_text())
        top = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        assert "register" not in top, module.__name__
        nested = [n.name for f in tree.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                  for n in ast.walk(f) if n is not f and isinstance(n, ast.AsyncFunctionDef)]
        assert nested == [], (module.__name__, nested)


def test_every_command_has_its_words_in_the_catalog() -> None:
    """Summaries and help texts live in the catalog (command.<name>.summary / .help): every
    command has a summary in every language, no command.* key is left without its command,
    and a help's placeholders are all filled by the command's help_args."""
    from handlers.catalog import CATALOG, placeholders

    registry = build_registry()
    names = {c.name for c in registry}
    for c in registry:
        assert c.summary_key in CATALOG, c.name
        assert set(c.summary) == set(CATALOG.languages) and all(c.summary.values()), c.name
        assert set(c.help) == set(CATALOG.languages) and all(c.help.values()), c.name
        template = CATALOG[c.help_key]
        assert {k for k, _ in c.help_args} == placeholders(template["fr"]), c.name
        assert all("{" not in text for text in c.help.values()), c.name
    orphans = [k for k in CATALOG if k.startswith("command.") and k.split(".")[1] not in names]
    assert orphans == []
    assert [k.split(".")[2] for k in CATALOG if k.startswith("command.")
            if k.split(".")[2] not in ("summary", "help")] == []


def test_a_command_reads_its_words_from_the_catalog() -> None:
    additem = build_registry().get("additem")
    assert additem is not None
    assert set(additem.summary) == set(LANGUAGES)
    assert {k: additem.summary[k] for k in ("fr", "en")} == {
        "fr": "Créer une nouvelle (brouillon)", "en": "Create a news item (draft)"}
    assert "source ≤ 200" in additem.help["fr"] and "Then /publish <n>." in additem.help["en"]
    start = build_registry().get("start")
    assert start is not None and start.help == start.summary  # no help text: the summary


def test_every_option_has_its_description_in_the_catalog() -> None:
    from handlers.catalog import CATALOG

    used = {o.key for c in build_registry() for o in c.options}
    for c in build_registry():
        for o in c.options:
            assert o.key in CATALOG, (c.name, o.name)
            assert set(o.description) == set(CATALOG.languages), (c.name, o.name)
    assert sorted(k for k in CATALOG if k.startswith("option.") and k not in used) == []
    news_count = build_registry().get("news")
    assert news_count is not None
    assert {k: news_count.options[0].description[k] for k in ("fr", "en")} == {
        "fr": "Combien (1–50)", "en": "How many (1–50)"}
