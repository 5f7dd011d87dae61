"""The ``[console]`` section: who the console user is (importable without the platform)."""

from __future__ import annotations

from pydantic import Field

from bot.sections import Section


class ConsoleSection(Section):
    #: the console user's id; listed in owners by default so admins can try commands locally
    user_id: str = "local"
    owners: list[str] = Field(default_factory=lambda: ["local"])
