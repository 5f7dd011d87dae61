# Everything installs from nothing: `make run` and `make test` create the virtualenv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run test lint bench specs lock clean catalogs

# constraints.txt pins the versions the tests last passed with (`make lock` refreshes it)
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev,bench]'
	@touch $(STAMP)

install: $(STAMP)

## the bot on its embedded defaults (SQLite in ./data, console chat when no token is set)
run: install
	$(BIN)/python -m bot run $(if $(CONFIG),--config $(CONFIG))

## layer contracts, lint, then the whole test suite (PostgreSQL tests need NEWSBOT_TEST_PG_URL),
## on every core (pytest-xdist; an idle worker takes tests queued for a busy one; TEST_WORKERS=0
## runs it in one process), the slowest 15 listed
TEST_WORKERS ?= auto
test: install
	$(BIN)/lint-imports
	$(BIN)/ruff check bot handlers storage tests bench
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist worksteal --durations=15

lint: install
	$(BIN)/ruff check bot handlers storage tests bench
	$(BIN)/mypy bot handlers storage

## the translation catalogs (handlers/catalog/locale/<lang>/LC_MESSAGES/newsbot.po, read by Babel):
## extract (every key the code uses must be in the catalog; unused keys are listed), update (a
## missing key is added to every language's .po, empty and fuzzy, for translators), validate
## (Babel reads each file; Plural-Forms as Babel gives it; same placeholders, every plural form).
## A translator's JSON (key -> text, or {CLDR category: text}) goes in with
## `$(BIN)/python -m handlers.catalog.tools import-json LANG FILE`. Nothing to compile: the bot
## reads the .po files.
catalogs: install
	$(BIN)/python -m handlers.catalog.tools all

## benchmarks (not tests): figures go to stdout
bench: install
	$(BIN)/python -m bench

## regenerate tests/data (API descriptions, article fingerprints) from the published specs
## (SHARED names the folder holding specs/ and seeds/; only this target reads it)
SHARED ?= ../shared
specs: install
	$(BIN)/python -m tests.data.derive --shared $(SHARED)

## re-pin constraints.txt to what the virtualenv holds now (after a passing `make test`)
lock: install
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^pip==' > constraints.txt

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache .mypy_cache
