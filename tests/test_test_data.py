"""The derivation of tests/data from the published specs keeps facts and drops prose."""

from __future__ import annotations

import json

import pytest

from tests.data import derive
from tests.fakes.telegram_spec import BotApiSpec, default_spec_path

MINI_TELEGRAM = {
    "version": "Bot API 0.1",
    "release_date": "2026-01-01",
    "changelog": "https://example.invalid",
    "methods": {
        "sendThing": {
            "name": "sendThing",
            "href": "#",
            "description": ["Sends a thing."],
            "returns": ["Message"],
            "fields": [
                {
                    "name": "text",
                    "types": ["String"],
                    "required": True,
                    "description": "Text, 1-4096 characters after entities parsing",
                },
                {"name": "tag", "types": ["String"], "required": False,
                 "description": "A tag, 1-8 characters"},
                {"name": "n", "types": ["Integer"], "required": False, "description": "1-100"},
            ],
        }
    },
    "types": {
        "Scope": {"name": "Scope", "href": "#", "description": ["x"], "subtypes": ["ScopeA"]},
        "ScopeA": {
            "name": "ScopeA",
            "href": "#",
            "description": ["y"],
            "subtype_of": ["Scope"],
            "fields": [{"name": "type", "types": ["String"], "required": True,
                        "description": "Scope type, must be a_scope"}],
        },
    },
}


def test_telegram_derivation_keeps_facts_only() -> None:
    out = derive.derive_telegram(MINI_TELEGRAM)
    text, tag, n = out["methods"]["sendThing"]["fields"]
    assert text["limit"] == {"min": 1, "max": 4096, "unit": "characters", "after_entities": True}
    assert tag["limit"]["max"] == 8 and not tag["limit"]["after_entities"]
    assert "limit" not in n  # a numeric range is not a length
    assert out["types"]["ScopeA"]["fields"][0]["const"] == "a_scope"
    assert "description" not in json.dumps(out)


def test_fake_refuses_a_string_over_its_documented_limit() -> None:
    spec = BotApiSpec(derive.derive_telegram(MINI_TELEGRAM))
    _, violations, error = spec.decode_params("sendThing", {"text": "x", "tag": "123456789"})
    assert error == "Bad Request: tag must be 1-8 characters long, got 9"
    assert violations
    assert spec.decode_params("sendThing", {"text": "x", "tag": "12345678"})[2] is None


def test_carried_telegram_spec_knows_the_limits_the_bot_meets() -> None:
    data = json.loads(default_spec_path().read_text(encoding="utf-8"))
    fields = {f["name"]: f for f in data["methods"]["setWebhook"]["fields"]}
    assert fields["secret_token"]["limit"]["max"] == 256
    button = {f["name"]: f for f in data["types"]["InlineKeyboardButton"]["fields"]}
    assert button["callback_data"]["limit"] == {
        "min": 1, "max": 64, "unit": "bytes", "after_entities": False
    }


def test_discord_derivation_keeps_used_routes_and_their_schemas(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = {
        "openapi": "3.1.0",
        "info": {"version": "10", "title": "Discord"},
        "paths": {
            "/users/@me": {"get": {"operationId": "me", "responses": {
                "200": {"description": "ok", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/User"}}}}}}},
            "/guilds/{id}": {"get": {"operationId": "guild", "responses": {}}},
        },
        "components": {"schemas": {
            "User": {"type": "object", "description": "A user",
                     "properties": {"description": {"type": "string"},
                                    "flags": {"$ref": "#/components/schemas/Flags"}}},
            "Flags": {"type": "integer"},
            "Unused": {"type": "string"},
        }},
    }
    monkeypatch.setattr(derive, "DISCORD_USED", (("GET", "/users/@me"),))
    out = derive.derive_discord(spec)
    assert out["paths"]["/guilds/{id}"]["get"] == {"operationId": "guild", "carried": False}
    assert set(out["components"]["schemas"]) == {"User", "Flags"}
    user = out["components"]["schemas"]["User"]
    assert "description" not in user and "description" in user["properties"]  # a field name
    monkeypatch.setattr(derive, "DISCORD_USED", (("POST", "/nowhere"),))
    with pytest.raises(SystemExit, match="lacks operations"):
        derive.derive_discord(spec)
