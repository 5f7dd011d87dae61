"""The fake's compiled spec pre-check answers exactly like the full check it shortcuts.

Why: BotApiSpec skips its full (message-building) check when the compiled pre-check says a
value is clean. That is only allowed if both always agree, so every result below, and
hundreds of broken variants of it, go through a spec with the shortcut and one without.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import telegram_spec
from tests.fakes.telegram_spec import BotApiSpec, default_spec_path


def _specs() -> tuple[BotApiSpec, BotApiSpec]:
    data = json.loads(Path(default_spec_path()).read_text(encoding="utf-8"))
    fast, full = BotApiSpec(data), BotApiSpec(copy.deepcopy(data))
    # "Not clean" sends every check of ``full`` down the full path, as before the shortcut.
    full._status = lambda type_name, value: telegram_spec._WARN  # type: ignore[method-assign]
    full._union_status = lambda types, value: telegram_spec._WARN  # type: ignore[method-assign]
    return fast, full


FAST, FULL = _specs()
USER = {"id": 7, "is_bot": True, "first_name": "Bot", "username": "b"}
MESSAGE = {
    "message_id": 3,
    "from": USER,
    "chat": {"id": 42, "type": "private", "first_name": "Ana"},
    "date": 1_700_000_000,
    "text": "Digest: bold link",
    "entities": [
        {"offset": 0, "length": 6, "type": "bold"},
        {"offset": 8, "length": 4, "type": "italic"},
        {"offset": 13, "length": 4, "type": "text_link", "url": "https://example.org"},
    ],
    "reply_markup": {"inline_keyboard": [[{"text": "More", "callback_data": "d:2"}]]},
    "message_thread_id": 5,
    "is_topic_message": True,
}
SAMPLES: list[tuple[str, Any]] = [
    ("Message", MESSAGE),
    ("Update", {"update_id": 9, "callback_query": {"id": "q", "from": USER, "chat_instance": "c",
                                                   "data": "x", "message": MESSAGE}}),
    ("ChatMember", {"status": "member", "user": USER}),
    ("ChatMember", {"status": "kicked", "user": USER, "until_date": 0}),
    ("Array of BotCommand", [{"command": "start", "description": "Start"}]),
    ("LinkPreviewOptions", {"is_disabled": True}),
    ("Boolean", True),
]
ODD_VALUES: list[Any] = [None, True, 0, 1.5, "x", [], {}, [1], {"zz": 1}]


def variants(value: Any) -> Iterator[Any]:
    """The value itself, then copies with one thing broken or added at every position."""
    yield value
    yield from ODD_VALUES
    if isinstance(value, dict):
        yield {**value, "unknown_field": 1}
        for key in value:
            yield {k: v for k, v in value.items() if k != key}
            for inner in variants(value[key]):
                yield {**value, key: inner}
    elif isinstance(value, list) and value:
        yield [*value, value[0]]
        for i, item in enumerate(value):
            for inner in variants(item):
                yield [*value[:i], inner, *value[i + 1 :]]


@pytest.mark.parametrize(("type_name", "sample"), SAMPLES)
def test_check_object_with_the_shortcut_equals_the_full_check(type_name: str, sample: Any) -> None:
    checked = 0
    for value in variants(sample):
        assert FAST.check_object(type_name, value) == FULL.check_object(type_name, value), value
        checked += 1
    assert checked > len(ODD_VALUES)


def test_decode_params_with_the_shortcut_equals_the_full_check() -> None:
    markup = json.dumps(MESSAGE["reply_markup"])
    base: dict[str, Any] = {"chat_id": "42", "text": "<b>x</b>", "parse_mode": "HTML", "reply_markup": markup,
            "link_preview_options": json.dumps({"is_disabled": True})}
    raws: list[dict[str, Any]] = [base, {**base, "chat_id": 42}, {**base, "bogus": "1"}]
    raws += [{**base, "reply_markup": json.dumps(v)} for v in variants(MESSAGE["reply_markup"])]
    raws += [{**base, "link_preview_options": json.dumps(v)}
             for v in variants({"is_disabled": True, "url": "https://x.org"})]
    raws += [{k: v for k, v in base.items() if k != key} for key in base]
    for raw in raws:
        for form in (True, False):
            fast = FAST.decode_params("sendMessage", raw, form_encoded=form)
            full = FULL.decode_params("sendMessage", raw, form_encoded=form)
            assert fast == full, raw


def test_scalar_outcomes_follow_the_scalar_predicates() -> None:
    assert telegram_spec._SCALAR_STATUS.keys() == telegram_spec._SCALAR_OK.keys()
    values: list[Any] = [None, True, False, 0, -3, 2**70, 1.5, float("nan"), "", "x", b"x", [], {}]
    for name, ok in telegram_spec._SCALAR_OK.items():
        for value in values:
            expected = telegram_spec._CLEAN if ok(value) else telegram_spec._FAIL
            assert telegram_spec._SCALAR_STATUS[name](value) == expected, (name, value)
