"""Derive the test data this repository carries from the published specifications.

Run by ``make specs`` (``python -m tests.data.derive --shared DIR``). It reads, once, the
MIT-licensed Telegram Bot API spec (PaulSonOfLars/telegram-bot-api-spec, ``api.json``), the
Discord OpenAPI spec (discord/discord-api-spec, ``specs/openapi.json``) and the two source
articles, and writes beside this file:

- ``telegram-bot-api.json``: every method and type with its fields' names, types and
  required flags, the discriminator value of union members, and the length limits the docs
  state ("1-4096 characters") as numbers. No description text is kept.
- ``discord-api.json``: every route (template and verbs, so an unknown route is still told
  from a known one) and, for the operations the bot and its fake use, their parameters,
  request body and responses with the component schemas they reach, descriptions removed.
- ``article-fingerprints.json``: salted hashes of each article's word n-grams and of its
  title, so the seed's originality test runs without the articles' text in the repository.
- ``SOURCES.md``: where each file came from (upstream commit, version, license).

The tests never read ``../shared``: a clone with nothing beside it tests itself.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

# The Discord operations the bot (discord.py) calls and the fake serves; kept in full.
DISCORD_USED: tuple[tuple[str, str], ...] = (
    ("GET", "/users/@me"),
    ("GET", "/oauth2/applications/@me"),
    ("GET", "/gateway"),
    ("GET", "/gateway/bot"),
    ("PUT", "/applications/{application_id}/commands"),
    ("GET", "/applications/{application_id}/commands"),
    ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands"),
    ("GET", "/applications/{application_id}/guilds/{guild_id}/commands"),
    ("POST", "/users/@me/channels"),
    ("GET", "/channels/{channel_id}"),
    ("POST", "/channels/{channel_id}/messages"),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"),
    ("POST", "/interactions/{interaction_id}/{interaction_token}/callback"),
    ("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
    ("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
    ("POST", "/webhooks/{webhook_id}/{webhook_token}"),
)

# The words that say which member of a union a value is ("type": "must be chat").
_DISCRIMINATOR_FIELDS = ("type", "status", "source")
_DISCRIMINATOR_RE = re.compile(r"(?:must be|always)\s+[“\"]?([A-Za-z_][\w-]*)")
_LIMIT_RE = re.compile(r"(\d+)-(\d+) (characters|bytes)")
# Fingerprints: n-grams of this many words; the originality test uses the same size.
NGRAM = 12
SALT = b"newsbot-article-fingerprint-v1:"

_TELEGRAM = Path("specs/telegram-bot-api")
_DISCORD = Path("specs/discord-api")


def _telegram_field(field: dict[str, Any], discriminator: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": field["name"],
        "types": field["types"],
        "required": field["required"],
    }
    text = field.get("description", "")
    if discriminator and field["name"] in _DISCRIMINATOR_FIELDS:
        found = _DISCRIMINATOR_RE.search(text)
        if found:
            out["const"] = found.group(1)
    limit = _LIMIT_RE.search(text)
    if limit and field["types"] == ["String"]:
        out["limit"] = {
            "min": int(limit.group(1)),
            "max": int(limit.group(2)),
            "unit": limit.group(3),
            # Telegram counts text and captions after entities are parsed (the fake's
            # parser does that itself), other strings as sent.
            "after_entities": "after entities parsing" in text,
        }
    return out


def derive_telegram(spec: dict[str, Any]) -> dict[str, Any]:
    methods = {}
    for name, method in spec["methods"].items():
        entry: dict[str, Any] = {"returns": method["returns"]}
        if "fields" in method:
            entry["fields"] = [_telegram_field(f, False) for f in method["fields"]]
        methods[name] = entry
    types = {}
    for name, spec_type in spec["types"].items():
        entry = {}
        for key in ("subtypes", "subtype_of"):
            if key in spec_type:
                entry[key] = spec_type[key]
        if "fields" in spec_type:
            member = "subtype_of" in spec_type
            entry["fields"] = [_telegram_field(f, member) for f in spec_type["fields"]]
        types[name] = entry
    return {
        "version": spec["version"],
        "release_date": spec["release_date"],
        "methods": methods,
        "types": types,
    }


def _strip_prose(node: Any) -> Any:
    """Drop description/title/example strings (prose), keep every constraint."""
    if isinstance(node, dict):
        return {
            key: _strip_prose(value)
            for key, value in node.items()
            if not (key in ("description", "title", "summary") and isinstance(value, str))
            and key not in ("example", "examples", "externalDocs")
        }
    if isinstance(node, list):
        return [_strip_prose(value) for value in node]
    return node


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref)
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def derive_discord(spec: dict[str, Any]) -> dict[str, Any]:
    used = {(method.lower(), path) for method, path in DISCORD_USED}
    paths: dict[str, Any] = {}
    for template, item in spec["paths"].items():
        out: dict[str, Any] = {}
        keep_shared = False
        for verb, op in item.items():
            if verb == "parameters":
                continue
            if (verb, template) in used:
                out[verb] = _strip_prose(
                    {k: op[k] for k in ("operationId", "parameters", "requestBody", "responses")
                     if k in op}
                )
                keep_shared = True
            else:
                # A real route the bot does not call: its name only, so the fake can say
                # "not used by the bot" rather than "no such route".
                out[verb] = {"operationId": op.get("operationId"), "carried": False}
        if keep_shared and "parameters" in item:
            out["parameters"] = _strip_prose(item["parameters"])
        paths[template] = out
    missing = used - {(v, t) for t, item in paths.items() for v in item if v != "parameters"}
    if missing:
        raise SystemExit(f"the Discord spec lacks operations the bot uses: {sorted(missing)}")
    # The component schemas/responses reachable from the kept operations.
    components = spec["components"]
    kept: dict[str, dict[str, Any]] = {}
    pending: set[str] = set()
    _refs(paths, pending)
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, section, name = ref.split("/", 3)
        value = _strip_prose(components[section][name])
        kept.setdefault(section, {})[name] = value
        _refs(value, pending)
    return {
        "openapi": spec["openapi"],
        "info": {"version": spec["info"]["version"]},
        "paths": paths,
        "components": {section: dict(sorted(v.items())) for section, v in sorted(kept.items())},
    }


def words(text: str) -> list[str]:
    """Lower-cased word tokens; apostrophes and punctuation split words (l’ONU == l'ONU)."""
    return re.findall(r"\w+", text.casefold())


def fingerprint(gram: tuple[str, ...] | str) -> str:
    text = gram if isinstance(gram, str) else " ".join(gram)
    return hashlib.sha256(SALT + text.encode("utf-8")).hexdigest()[:16]


def derive_fingerprints(articles: list[Path]) -> dict[str, Any]:
    out: dict[str, Any] = {"ngram": NGRAM, "articles": {}}
    for article in articles:
        text = article.read_text(encoding="utf-8")
        tokens = words(text)
        grams = {tuple(tokens[i : i + NGRAM]) for i in range(len(tokens) - NGRAM + 1)}
        out["articles"][article.name] = {
            "title": fingerprint(text.splitlines()[0].strip()),
            "ngrams": sorted(fingerprint(g) for g in grams),
        }
    return out


def _source_row(readme: str, name: str) -> str:
    for line in readme.splitlines():
        if line.startswith(f"| `{name}`"):
            return line
    raise SystemExit(f"no row for {name} in the specs README")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=HERE.parents[2] / "shared")
    args = parser.parse_args()
    shared: Path = args.shared
    telegram = json.loads((shared / _TELEGRAM / "api.json").read_text(encoding="utf-8"))
    discord = json.loads((shared / _DISCORD / "openapi.json").read_text(encoding="utf-8"))
    outputs = {
        "telegram-bot-api.json": derive_telegram(telegram),
        "discord-api.json": derive_discord(discord),
        "article-fingerprints.json": derive_fingerprints(
            sorted((shared / "seeds").glob("*.txt"))
        ),
    }
    for name, data in outputs.items():
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        (HERE / name).write_text(text + "\n", encoding="utf-8")
    readme = (shared / "specs" / "README.md").read_text(encoding="utf-8")
    for upstream, local in ((_TELEGRAM, "telegram-bot-api"), (_DISCORD, "discord-api")):
        license_text = (shared / upstream / "LICENSE").read_text(encoding="utf-8")
        (HERE / f"LICENSE.{local}").write_text(license_text, encoding="utf-8")
    header = readme.splitlines()
    table = [line for line in header if line.startswith("| file") or line.startswith("| ---")]
    rows = [
        _source_row(readme, "telegram-bot-api/api.json"),
        _source_row(readme, "discord-api/openapi.json"),
    ]
    (HERE / "SOURCES.md").write_text(
        "# Where the test data comes from\n\n"
        "Generated by `make specs` (`tests/data/derive.py`); do not edit by hand.\n"
        "`telegram-bot-api.json` and `discord-api.json` are derived from these upstream files\n"
        "(facts only: names, types, required flags, limits; no description text). Their\n"
        "licenses are `LICENSE.telegram-bot-api` and `LICENSE.discord-api`.\n"
        "`article-fingerprints.json` holds salted hashes of the source articles' "
        f"{NGRAM}-word runs, not their text.\n\n" + "\n".join([*table[:2], *rows]) + "\n",
        encoding="utf-8",
    )
    for name in outputs:
        print(f"{name}: {(HERE / name).stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
