"""The base of every configuration section (bot/config.py and each platform's config.py)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A ``[section]`` of the TOML file: an unknown key is an error, not ignored."""

    model_config = ConfigDict(extra="forbid")
