"""The pydantic model that checks a theme file which is not plainly right (see `themes`).

`themes._quick` accepts the usual file (the bundled ones on every start) without
pydantic (issue #18); anything else is validated here, so the error a user sees
names the field and the problem exactly as before.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from .themes import _theme_name, _variable_name, _variable_value, check_colour

Colour = Annotated[str, AfterValidator(check_colour)]
ThemeName = Annotated[str, AfterValidator(_theme_name)]
VariableName = Annotated[str, AfterValidator(_variable_name)]
VariableValue = Annotated[str, AfterValidator(_variable_value)]


class ThemeModel(BaseModel):
    """The fields of `themes.ThemeSpec` with their checks (strict types: TOML has them)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, title="ThemeSpec")

    name: ThemeName
    primary: Colour
    secondary: Colour | None = None
    accent: Colour | None = None
    foreground: Colour | None = None
    background: Colour | None = None
    surface: Colour | None = None
    panel: Colour | None = None
    boost: Colour | None = None
    success: Colour | None = None
    warning: Colour | None = None
    error: Colour | None = None
    dark: bool = True
    ansi: bool = False
    luminosity_spread: float = Field(0.15, ge=0.0, le=1.0)
    text_alpha: float = Field(0.95, ge=0.0, le=1.0)
    variables: dict[VariableName, VariableValue] = Field(default_factory=dict)
