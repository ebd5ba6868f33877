"""The pydantic model that checks a hand-edited or older state file (see `state`).

Only loaded when a value is not of its field's exact type: the state the app
writes itself never needs it, so the start does not import pydantic (issue #18).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class UiStateModel(BaseModel):
    """The fields of `state.UiState`, validated the lax way (a newer version's fields ignored)."""

    model_config = ConfigDict(extra="ignore", title="UiState")

    theme: str | None = None
    theme_config: str | None = None
    recent_files: list[str] = Field(default_factory=list)
    searches: list[str] = Field(default_factory=list)
    positions: dict[str, int] = Field(default_factory=dict)
