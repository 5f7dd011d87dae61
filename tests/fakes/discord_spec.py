"""Checks requests against Discord's published OpenAPI spec and Discord's own message limits.

The fake answers like Discord does, so a bot that passes against it has sent only requests
that the real API would accept: a known path and method, known query parameters and a JSON
body that validates against the operation's schema (JSON Schema 2020-12).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

_INT_RE = re.compile(r"^-?[0-9]+$")
_BOOL_STRINGS = {"true": True, "false": False, "1": True, "0": False}


def default_spec_path() -> Path:
    """The Discord API description the repository carries (``make specs`` regenerates it)."""
    return Path(__file__).resolve().parents[1] / "data" / "discord-api.json"


def _lenient_type(validator: Any, types: Any, instance: Any, schema: dict[str, Any]) -> Any:
    """Discord accepts ints for snowflake strings and int-parseable strings for integers."""
    names = [types] if isinstance(types, str) else list(types)
    is_int = isinstance(instance, int) and not isinstance(instance, bool)
    if is_int and "string" in names and schema.get("format") == "snowflake":
        return
    if (
        isinstance(instance, str)
        and _INT_RE.match(instance)
        and ("integer" in names or "number" in names)
    ):
        return
    yield from Draft202012Validator.VALIDATORS["type"](validator, types, instance, schema)


def _lenient_one_of(validator: Any, one_of: Any, instance: Any, schema: dict[str, Any]) -> Any:
    """With the coercions above, a digit string may fit two branches (e.g. `nonce`: int or str)."""
    if any(validator.evolve(schema=branch).is_valid(instance) for branch in one_of):
        return
    yield from Draft202012Validator.VALIDATORS["oneOf"](validator, one_of, instance, schema)


_Validator = validators.extend(
    Draft202012Validator, validators={"type": _lenient_type, "oneOf": _lenient_one_of}
)


@dataclass(frozen=True)
class Operation:
    """One path template + method of the spec, with its compiled matcher."""

    template: str
    method: str
    op: dict[str, Any]
    params: tuple[dict[str, Any], ...]
    regex: re.Pattern[str]
    literal_segments: int


class DiscordSpec:
    """The loaded spec: route matching and request validation."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.components = spec["components"]
        self.operations: list[Operation] = []
        for template, item in spec["paths"].items():
            shared = tuple(item.get("parameters", []))
            pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
            literals = sum(1 for seg in template.split("/") if seg and not seg.startswith("{"))
            for method, op in item.items():
                if method == "parameters":
                    continue
                self.operations.append(
                    Operation(
                        template=template,
                        method=method.upper(),
                        op=op,
                        params=shared + tuple(op.get("parameters", [])),
                        regex=re.compile(f"^{pattern}$"),
                        literal_segments=literals,
                    )
                )
        # Prefer literal segments (`/users/@me`) over parameters (`/users/{user_id}`).
        self.operations.sort(key=lambda o: -o.literal_segments)
        self._validators: dict[str, Any] = {}

    @classmethod
    def load(cls, path: Path) -> DiscordSpec:
        return _load_cached(str(path))

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation for this request, or None if Discord has no such route."""
        for operation in self.operations:
            if operation.method != method:
                continue
            found = operation.regex.match(path)
            if found:
                return operation, found.groupdict()
        return None

    def _validator(self, key: str, schema: dict[str, Any]) -> Any:
        if key not in self._validators:
            self._validators[key] = _Validator({**schema, "components": self.components})
        return self._validators[key]

    def check_params(
        self, operation: Operation, path_params: dict[str, str], query: dict[str, str]
    ) -> list[str]:
        """Problems with the path and query parameters (unknown, missing or mistyped)."""
        problems: list[str] = []
        declared = {p["name"]: p for p in operation.params}
        for name in query:
            if name not in declared or declared[name]["in"] != "query":
                problems.append(f"unknown query parameter {name!r}")
        for name, param in declared.items():
            source = path_params if param["in"] == "path" else query
            if name not in source:
                if param.get("required"):
                    problems.append(f"missing {param['in']} parameter {name!r}")
                continue
            value = _coerce_param(source[name], param.get("schema", {}))
            key = f"param:{operation.template}:{name}"
            for error in self._validator(key, param.get("schema", {})).iter_errors(value):
                problems.append(f"{param['in']} parameter {name}={source[name]!r}: {error.message}")
        return problems

    def check_body(self, operation: Operation, body: Any, has_body: bool) -> dict[str, Any]:
        """Discord-style nested `errors` for an invalid JSON body ({} when it is fine)."""
        request_body = operation.op.get("requestBody")
        if request_body is None:
            if has_body and body not in (None, {}):
                return {"_errors": [_err("UNKNOWN_BODY", "This route takes no body.")]}
            return {}
        if not has_body:
            if request_body.get("required"):
                return {"_errors": [_err("BASE_TYPE_REQUIRED", "This field is required")]}
            return {}
        schema = request_body["content"].get("application/json", {}).get("schema")
        if schema is None:
            return {"_errors": [_err("CONTENT_TYPE_INVALID", "JSON is not accepted here.")]}
        validator = self._validator(f"body:{operation.method}:{operation.template}", schema)
        errors: dict[str, Any] = {}
        for error in validator.iter_errors(body):
            leaf = _deepest(error)
            add_error(errors, list(leaf.absolute_path), "SCHEMA_INVALID", leaf.message[:300])
        return errors

    def check_response(self, operation: Operation, status: int, body: Any) -> list[str]:
        """Problems with one of the fake's own answers (a self-check of the fake)."""
        responses = operation.op.get("responses", {})
        spec = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
        if spec is None:
            return [f"status {status} is not documented"]
        if "$ref" in spec:
            spec = self.components["responses"][spec["$ref"].rsplit("/", 1)[1]]
        schema = spec.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            return [] if body is None else ["a body where the spec has none"]
        key = f"response:{operation.method}:{operation.template}:{status}"
        problems = []
        for error in self._validator(key, schema).iter_errors(body):
            leaf = _deepest(error)
            path = list(leaf.absolute_path)
            # The spec types field error codes as integers; Discord sends strings such as
            # "BASE_TYPE_MAX_LENGTH" (see its docs' error examples), and so does the fake.
            if path[:1] == ["errors"] and path[-1:] == ["code"] and isinstance(leaf.instance, str):
                continue
            problems.append(f"{'/'.join(map(str, path))}: {leaf.message[:200]}")
        return problems


@cache
def _load_cached(path: str) -> DiscordSpec:
    with open(path, encoding="utf-8") as handle:
        return DiscordSpec(json.load(handle))


def _deepest(error: ValidationError) -> ValidationError:
    """The most specific sub-error of an anyOf/oneOf failure, for a useful field path."""
    while error.context:
        # Deepest path first; among equals, a real constraint beats "not of type 'null'".
        error = max(error.context, key=lambda e: (len(e.absolute_path), e.validator != "type"))
    return error


def _coerce_param(value: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if kind == "boolean" and value.lower() in _BOOL_STRINGS:
        return _BOOL_STRINGS[value.lower()]
    if kind in ("integer", "number") and _INT_RE.match(value):
        return int(value)
    return value


def _err(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


def add_error(errors: dict[str, Any], path: list[Any], code: str, message: str) -> None:
    """Insert one error at a field path, in Discord's `{"a": {"0": {"_errors": [..]}}}` shape."""
    node = errors
    for part in path:
        node = node.setdefault(str(part), {})
    node.setdefault("_errors", []).append(_err(code, message))


def _max_len(errors: dict[str, Any], path: list[Any], value: Any, limit: int) -> int:
    if isinstance(value, str):
        if len(value) > limit:
            add_error(errors, path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
        return len(value)
    return 0


def check_message_limits(body: dict[str, Any], prefix: tuple[str, ...] = ()) -> dict[str, Any]:
    """Discord's message limits (stricter than the spec): content, embeds and their 6000 total."""
    errors: dict[str, Any] = {}
    _max_len(errors, [*prefix, "content"], body.get("content"), 2000)
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        add_error(
            errors, [*prefix, "embeds"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length."
        )
    total = 0
    for i, embed in enumerate(embeds):
        if not isinstance(embed, dict):
            continue
        base = [*prefix, "embeds", i]
        total += _max_len(errors, [*base, "title"], embed.get("title"), 256)
        total += _max_len(errors, [*base, "description"], embed.get("description"), 4096)
        footer = embed.get("footer") or {}
        total += _max_len(errors, [*base, "footer", "text"], footer.get("text"), 2048)
        author = embed.get("author") or {}
        total += _max_len(errors, [*base, "author", "name"], author.get("name"), 256)
        fields = embed.get("fields") or []
        if len(fields) > 25:
            add_error(
                errors, [*base, "fields"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."
            )
        for j, field in enumerate(fields):
            total += _max_len(errors, [*base, "fields", j, "name"], field.get("name"), 256)
            total += _max_len(errors, [*base, "fields", j, "value"], field.get("value"), 1024)
    if total > 6000:
        add_error(
            errors,
            [*prefix, "embeds"],
            "MAX_EMBED_SIZE_EXCEEDED",
            "Embed size exceeds maximum size of 6000",
        )
    return errors


def is_empty_message(body: dict[str, Any]) -> bool:
    """True when a new message would show nothing (Discord answers 50006)."""
    keys = ("content", "embeds", "sticker_ids", "components", "attachments", "poll")
    return not any(body.get(key) for key in keys)


def refuse_message(
    body: dict[str, Any],
    violations: list[str],
    where: str,
    *,
    new: bool,
    prefix: tuple[str, ...] = (),
) -> tuple[int, dict[str, Any]] | None:
    """Discord's answer to a message body it refuses (limits, or empty when new), else None.

    The refusal is also recorded in `violations`: a bot should never send such a body.
    """
    errors = check_message_limits(body, prefix)
    if errors:
        violations.append(f"{where}: over Discord limits: {errors}")
        return 400, {"message": "Invalid Form Body", "code": 50035, "errors": errors}
    if new and is_empty_message(body):
        violations.append(f"{where}: empty message")
        return 400, {"message": "Cannot send an empty message", "code": 50006}
    return None
