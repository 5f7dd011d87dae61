"""Telegram Mini App ``initData``: validated exactly as Telegram documents it.

"Validating data received via the Mini App" (core.telegram.org/bots/webapps):

- data-check-string: every field except ``hash``, sorted by key, ``key=value`` joined by
  ``\\n`` (the values URL-decoded);
- secret_key = HMAC_SHA256(key="WebAppData", msg=bot_token);
- the ``hash`` field must equal hex(HMAC_SHA256(key=secret_key, msg=data_check_string)),
  compared in constant time;
- ``auth_date`` (Unix seconds) is not older than the configured age, nor in the future
  beyond a minute of clock skew.

Anything else (no data, a malformed query string, a repeated field, no or a wrong hash, a
user that is not a JSON object with an integer id) is refused: :func:`validate` returns None.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

#: the clock skew tolerated for an ``auth_date`` ahead of ours
FUTURE_SKEW = dt.timedelta(minutes=1)
#: a longer initData is not Telegram's (it is a few hundred bytes)
MAX_LENGTH = 4096


@dataclass(frozen=True)
class WebAppUser:
    """The Telegram user the Mini App was opened by, as initData vouches."""

    id: int
    language_code: str | None
    first_name: str
    auth_date: dt.datetime


def secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{k}={fields[k]}" for k in sorted(fields) if k != "hash")


def sign(fields: dict[str, str], bot_token: str) -> str:
    """The initData query string of ``fields`` with its ``hash`` (how Telegram builds it;
    the tests sign with the fake's token)."""
    unsigned = {k: v for k, v in fields.items() if k != "hash"}
    digest = hmac.new(secret_key(bot_token), data_check_string(unsigned).encode(),
                      hashlib.sha256).hexdigest()
    return urlencode({**unsigned, "hash": digest})


def validate(init_data: str | None, bot_token: str, *, now: dt.datetime,
             max_age: dt.timedelta) -> WebAppUser | None:
    """The user of a genuine, fresh initData; None for anything else."""
    if not init_data or len(init_data) > MAX_LENGTH or not bot_token:
        return None
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return None
    fields = dict(pairs)
    if len(fields) != len(pairs):  # a repeated key: not what Telegram signs
        return None
    given = fields.get("hash", "")
    expected = hmac.new(secret_key(bot_token), data_check_string(fields).encode(),
                        hashlib.sha256).hexdigest()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return None
    raw_date = fields.get("auth_date", "")
    if not (raw_date.isascii() and raw_date.isdigit()) or len(raw_date) > 12:
        return None
    auth_date = dt.datetime.fromtimestamp(int(raw_date), dt.UTC)
    if auth_date > now + FUTURE_SKEW or now - auth_date > max_age:
        return None
    try:
        user: Any = json.loads(fields.get("user", ""))
    except ValueError:
        return None
    if not isinstance(user, dict) or type(user.get("id")) is not int:
        return None
    lang = user.get("language_code")
    name = user.get("first_name")
    return WebAppUser(id=user["id"], language_code=lang if isinstance(lang, str) else None,
                      first_name=name if isinstance(name, str) else "", auth_date=auth_date)
