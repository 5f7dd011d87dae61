"""search folding for Arabic and Spanish: recompute every search document with the new fold

``storage.text.fold`` now keeps the Spanish ñ apart from n ("año" is not "ano") and normalises
Arabic (diacritics and tatweel removed, alef forms, ta marbuta, alef maqsura, hamza on waw/ya,
Arabic-Indic digits). Rows were folded with the old rule (NFKD, every mark dropped), so
``news_items.search_doc`` is recomputed for every row, drafts and deleted ones included.

On SQLite the FTS5 index is rebuilt with ``unicode61 remove_diacritics 0``: the folding is
done in Python, and the tokenizer's own diacritic removal (``2`` before) would turn the "ñ"
of both the index and the query back into "n". PostgreSQL's GIN index over
``to_tsvector('simple', search_doc)`` follows the column by itself.

Going down recomputes the documents with the old rule (kept below, frozen) and restores the
old tokenizer.

Revision ID: 0007f
Revises: 0006d
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007f"
down_revision = "0006d"
branch_labels = None
depends_on = None

_ITEMS = sa.table(
    "news_items",
    sa.column("id", sa.Integer),
    sa.column("title", sa.JSON),
    sa.column("body", sa.JSON),
    sa.column("search_doc", sa.Text),
)
_BATCH = 1000


def _legacy_search_doc(*texts: Mapping[str, str] | None) -> str:
    """``storage.text.search_doc`` as it was before 0007f (every mark dropped, ñ -> n)."""
    joined = " ".join(v for t in texts if t for v in t.values() if v)
    decomposed = unicodedata.normalize("NFKD", joined.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = stripped.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return " ".join(re.findall(r"[^\W_]+", folded))


def _recompute(doc: Callable[..., str]) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(_ITEMS.c.id, _ITEMS.c.title, _ITEMS.c.body, _ITEMS.c.search_doc)).all()
    changed: list[dict[str, Any]] = []
    for row in rows:
        new = doc(row.title, row.body)
        if new != row.search_doc:
            changed.append({"row_id": row.id, "doc": new})
    update = (_ITEMS.update().where(_ITEMS.c.id == sa.bindparam("row_id"))
              .values(search_doc=sa.bindparam("doc")))
    for start in range(0, len(changed), _BATCH):
        bind.execute(update, changed[start:start + _BATCH])


def _drop_fts() -> None:
    for trigger in ("news_fts_ai", "news_fts_ad", "news_fts_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS news_fts")


def _create_fts(remove_diacritics: int) -> None:
    """The FTS5 index of 0001 with the given tokenizer option, filled from the rows."""
    op.execute(
        "CREATE VIRTUAL TABLE news_fts USING fts5(search_doc, content='news_items', "
        f"content_rowid='id', tokenize='unicode61 remove_diacritics {remove_diacritics}')"
    )
    op.execute(
        "CREATE TRIGGER news_fts_ai AFTER INSERT ON news_items BEGIN "
        "INSERT INTO news_fts(rowid, search_doc) VALUES (new.id, new.search_doc); END"
    )
    op.execute(
        "CREATE TRIGGER news_fts_ad AFTER DELETE ON news_items BEGIN "
        "INSERT INTO news_fts(news_fts, rowid, search_doc) "
        "VALUES ('delete', old.id, old.search_doc); END"
    )
    op.execute(
        "CREATE TRIGGER news_fts_au AFTER UPDATE OF search_doc ON news_items BEGIN "
        "INSERT INTO news_fts(news_fts, rowid, search_doc) "
        "VALUES ('delete', old.id, old.search_doc); "
        "INSERT INTO news_fts(rowid, search_doc) VALUES (new.id, new.search_doc); END"
    )
    op.execute("INSERT INTO news_fts(news_fts) VALUES ('rebuild')")


def _refold(doc: Callable[..., str], remove_diacritics: int) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:  # no trigger fires on the rewrite; the index is rebuilt from the new rows
        _drop_fts()
    _recompute(doc)
    if sqlite:
        _create_fts(remove_diacritics)


def upgrade() -> None:
    from storage.text import search_doc

    _refold(search_doc, remove_diacritics=0)


def downgrade() -> None:
    _refold(_legacy_search_doc, remove_diacritics=2)
