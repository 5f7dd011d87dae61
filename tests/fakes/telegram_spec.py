"""Validation of Bot API calls and results against the published machine-readable spec.

The fake must catch, offline, every call the real Bot API would refuse or silently
misread (a missing field, a typo'd parameter, a wrongly encoded JSON value), so each
request is checked against ``tests/data/telegram-bot-api.json`` (derived from the published
spec by ``tests/data/derive.py``; see tests/data/SOURCES.md). Results the
fake produces are checked too, so the fake cannot drift from what PTB parses in
production.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

_ARRAY = "Array of "


def _is_integer(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


_SCALAR_OK: dict[str, Callable[[Any], bool]] = {
    "String": lambda v: isinstance(v, str),
    "Integer": _is_integer,
    "Float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "Boolean": lambda v: isinstance(v, bool),
    "InputFile": lambda v: True,
}

# Outcomes of the compiled pre-check (see BotApiSpec._status).
_CLEAN, _WARN, _FAIL = 0, 1, 2
# The same predicates as _SCALAR_OK, answering an outcome in one call (these run for
# every scalar of every result; tests/test_fake_telegram_spec.py compares the two).
_SCALAR_STATUS: dict[str, Callable[[Any], int]] = {
    "String": lambda v: _CLEAN if isinstance(v, str) else _FAIL,
    "Integer": lambda v: _CLEAN if isinstance(v, int) and not isinstance(v, bool) else _FAIL,
    "Float": lambda v: (
        _CLEAN if isinstance(v, int | float) and not isinstance(v, bool) else _FAIL
    ),
    "Boolean": lambda v: _CLEAN if isinstance(v, bool) else _FAIL,
    "InputFile": lambda v: _CLEAN,
}


def _limit_problem(field: dict[str, Any], value: Any) -> str | None:
    """A string outside the length the docs state ("1-256 characters"), counted as sent.

    Text and captions are counted after entities parsing, which the fake's own parser does
    (telegram_methods), so they are left to it.
    """
    limit = field.get("limit")
    if limit is None or limit["after_entities"] or not isinstance(value, str):
        return None
    size = len(value.encode("utf-8")) if limit["unit"] == "bytes" else len(value)
    if limit["min"] <= size <= limit["max"]:
        return None
    return f"must be {limit['min']}-{limit['max']} {limit['unit']} long, got {size}"


class SpecError(ValueError):
    """A value does not match its declared type: Telegram answers 400 for these."""


def default_spec_path() -> Path:
    """The Bot API description the repository carries (``make specs`` regenerates it)."""
    return Path(__file__).resolve().parents[1] / "data" / "telegram-bot-api.json"


@cache
def load_spec(path: str) -> BotApiSpec:
    """Parse the spec once per process: it is ~1 MB and immutable."""
    return BotApiSpec(json.loads(Path(path).read_text(encoding="utf-8")))


class BotApiSpec:
    """Type checker for Bot API method parameters and objects."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.version: str = data.get("version", "?")
        self.methods: dict[str, dict[str, Any]] = data["methods"]
        self.types: dict[str, dict[str, Any]] = data["types"]
        self._method_fields = {
            name: {f["name"]: f for f in method.get("fields", [])}
            for name, method in self.methods.items()
        }
        self._type_fields = {
            name: {f["name"]: f for f in spec_type.get("fields", [])}
            for name, spec_type in self.types.items()
        }
        self._checkers: dict[str, Callable[[Any], int]] = {}

    # ---------------------------------------------------------------- requests
    def decode_params(
        self, method: str, raw: dict[str, Any], *, form_encoded: bool = True
    ) -> tuple[dict[str, Any], list[str], str | None]:
        """Decode and check a call's parameters.

        Returns (decoded params, violations, first hard error). Unknown parameters are
        violations only (Telegram ignores them); a missing required or badly typed one
        is also a hard error (Telegram answers 400).
        """
        fields = self._method_fields[method]
        decoded: dict[str, Any] = {}
        violations: list[str] = []
        error: str | None = None
        for name, value in raw.items():
            field = fields.get(name)
            if field is None:
                violations.append(f"{method}: unknown parameter {name!r}={value!r}")
                decoded[name] = value
                continue
            try:
                decoded[name] = self._decode_value(field["types"], value, form_encoded)
            except SpecError as exc:
                violations.append(f"{method}: parameter {name!r}: {exc}")
                detail = (
                    str(exc) if str(exc).startswith("can't parse") else f"can't parse {name}: {exc}"
                )
                error = error or f"Bad Request: {detail}"
                decoded[name] = value
                continue
            violations.extend(f"{method}: parameter {name!r}: {w}" for w in self._warnings)
            too_long = _limit_problem(field, decoded[name])
            if too_long:
                violations.append(f"{method}: parameter {name!r}: {too_long}")
                error = error or f"Bad Request: {name} {too_long}"
        for name, field in fields.items():
            if field["required"] and name not in raw:
                violations.append(f"{method}: required parameter {name!r} is missing")
                error = error or f"Bad Request: {name} is empty"
        return decoded, violations, error

    def _decode_value(self, types: list[str], value: Any, form_encoded: bool) -> Any:
        self._warnings: list[str] = []
        if not form_encoded or not isinstance(value, str):
            return self._check_union(types, value)
        problems: list[str] = []
        for type_name in types:
            if type_name in ("String", "InputFile"):
                continue
            try:
                candidate = json.loads(value)
            except ValueError:
                problems.append(f"not valid JSON for {type_name}: {value[:60]!r}")
                continue
            try:
                return self._check_union([type_name], candidate)
            except SpecError as exc:
                problems.append(str(exc))
        if "String" in types or "InputFile" in types:
            return value
        raise SpecError("; ".join(problems))

    # ----------------------------------------------------------------- objects
    def check_object(self, type_name: str, value: Any) -> list[str]:
        """All problems of a (result) object, hard errors and unknown fields alike."""
        if self._status(type_name, value) == _CLEAN:
            return []  # exactly what the full check below returns for a clean object
        self._warnings = []
        try:
            self._check_type(type_name, value, type_name)
        except SpecError as exc:
            return [str(exc), *self._warnings]
        return list(self._warnings)

    def _check_union(self, types: list[str], value: Any, path: str = "") -> Any:
        if self._union_status(types, value) == _CLEAN:
            return value  # the loop below would return it too, adding no warning
        errors: list[str] = []
        for type_name in types:
            saved = list(getattr(self, "_warnings", []))
            try:
                self._check_type(type_name, value, path or type_name)
                return value
            except SpecError as exc:
                self._warnings = saved
                errors.append(str(exc))
        raise SpecError(errors[0])  # the first declared type is the one callers mean

    def _check_type(self, type_name: str, value: Any, path: str) -> None:
        if type_name.startswith("Array of "):
            if not isinstance(value, list):
                raise SpecError(f"{path}: expected an Array, got {type(value).__name__}")
            for i, item in enumerate(value):
                self._check_type(type_name[len("Array of ") :], item, f"{path}[{i}]")
            return
        if type_name in _SCALAR_OK:
            if not _SCALAR_OK[type_name](value):
                raise SpecError(f"{path}: expected {type_name}, got {value!r}"[:200])
            return
        spec_type = self.types.get(type_name)
        if spec_type is None:
            raise SpecError(f"{path}: unknown type {type_name}")
        if not isinstance(value, dict):
            raise SpecError(f"{path}: expected a {type_name} object, got {value!r}"[:200])
        if "subtypes" in spec_type:
            self._check_union(self._pick_subtypes(spec_type["subtypes"], value), value, path)
            return
        fields = self._type_fields[type_name]
        for name, field in fields.items():
            if field["required"] and name not in value:
                raise SpecError(f"can't parse {type_name}: Can't find field \"{name}\"")
        for name, item in value.items():
            field = fields.get(name)
            if field is None:
                self._warnings.append(f"{path}: unknown field {name!r} in {type_name}")
                continue
            self._check_union(field["types"], item, f"{path}.{name}")

    def _pick_subtypes(self, subtypes: list[str], value: dict[str, Any]) -> list[str]:
        """Narrow a union by its discriminator ("type": "chat" ...) when one is documented."""
        for subtype in subtypes:
            for field in self.types[subtype].get("fields", []):
                const = field.get("const")
                if const is not None and value.get(field["name"]) == const:
                    return [subtype]
        return subtypes

    # ------------------------------------------------------- compiled pre-check
    # Why: the fake checks every result it sends (a Message with ~40 entities is ~180
    # checks) and every JSON parameter; the checks above build paths, copy warning lists
    # and look fields up on every call. The pre-check below answers, from checkers
    # compiled once per type, exactly how the full check would end: _CLEAN (no error, no
    # warning), _WARN (no error, some warnings) or _FAIL (SpecError). It follows the same
    # rules in the same order: a union takes its first type that does not fail, with that
    # type's warnings; an object fails on a missing required field or a failing field,
    # warns on an unknown field or a warning field; an array fails or warns like its worst
    # item. Only a _CLEAN answer is used as a shortcut (the full check would return with
    # nothing to report); anything else runs the full check for Telegram's exact texts.

    def _status(self, type_name: str, value: Any) -> int:
        return self._checker(type_name)(value)

    def _union_status(self, types: list[str], value: Any) -> int:
        for type_name in types:
            status = self._checker(type_name)(value)
            if status != _FAIL:
                return status
        return _FAIL

    def _checker(self, type_name: str) -> Callable[[Any], int]:
        """The compiled pre-check of a type (built on first use, then kept)."""
        checker = self._checkers.get(type_name)
        if checker is None:
            checker = self._checkers[type_name] = self._compile(type_name)
        return checker

    def _union_checker(self, types: list[str]) -> Callable[[Any], int]:
        if len(types) == 1:
            return self._checker(types[0])
        checkers = [self._checker(t) for t in types]

        def check_union(value: Any) -> int:
            for check in checkers:
                status = check(value)
                if status != _FAIL:
                    return status
            return _FAIL

        return check_union

    def _compile(self, type_name: str) -> Callable[[Any], int]:
        # Checkers of other types are looked up on first call, not here: types are
        # recursive (a Message holds a Message), so compiling eagerly would never end.
        if type_name.startswith(_ARRAY):
            return self._compile_array(type_name[len(_ARRAY) :])
        scalar = _SCALAR_STATUS.get(type_name)
        if scalar is not None:
            return scalar
        spec_type = self.types.get(type_name)
        if spec_type is None:
            return lambda value: _FAIL
        if "subtypes" in spec_type:
            subtypes = spec_type["subtypes"]

            def check_subtypes(value: Any) -> int:
                if not isinstance(value, dict):
                    return _FAIL
                return self._union_status(self._pick_subtypes(subtypes, value), value)

            return check_subtypes
        return self._compile_object(type_name)

    def _compile_array(self, item_type: str) -> Callable[[Any], int]:
        item_check: Callable[[Any], int] | None = None

        def check_array(value: Any) -> int:
            nonlocal item_check
            if not isinstance(value, list):
                return _FAIL
            if item_check is None:
                item_check = self._checker(item_type)
            worst = _CLEAN
            for item in value:
                status = item_check(item)
                if status:
                    if status == _FAIL:
                        return _FAIL
                    worst = _WARN
            return worst

        return check_array

    def _compile_object(self, type_name: str) -> Callable[[Any], int]:
        fields = self._type_fields[type_name]
        required = [name for name, field in fields.items() if field["required"]]
        field_checks: dict[str, Callable[[Any], int]] = {}

        def check_object(value: Any) -> int:
            if not isinstance(value, dict):
                return _FAIL
            for name in required:
                if name not in value:
                    return _FAIL
            if not field_checks and fields:
                field_checks.update(
                    (name, self._union_checker(field["types"])) for name, field in fields.items()
                )
            worst = _CLEAN
            for name, item in value.items():
                check = field_checks.get(name)
                if check is None:  # an unknown field: a warning
                    worst = _WARN
                    continue
                status = check(item)
                if status:
                    if status == _FAIL:
                        return _FAIL
                    worst = _WARN
            return worst

        return check_object

    # ----------------------------------------------------------------- building
    def fill_required(self, type_name: str, given: dict[str, Any]) -> dict[str, Any]:
        """Complete an object with neutral values for required fields the fake ignores.

        Why: types such as ChatFullInfo or ChatMemberAdministrator grow required fields
        with each API version; deriving them from the spec keeps results valid.
        """
        result = dict(given)
        for field in self.types[type_name].get("fields", []):
            if not field["required"] or field["name"] in result:
                continue
            kind = field["types"][0]
            defaults: dict[str, Any] = {"Boolean": False, "Integer": 0, "String": "", "Float": 0.0}
            if kind in defaults:
                result[field["name"]] = defaults[kind]
            elif kind.startswith("Array of "):
                result[field["name"]] = []
            else:
                result[field["name"]] = self.fill_required(kind, {})
        return result
