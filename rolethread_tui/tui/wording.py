"""Counts in words for the TUI: the domain's rule (`domain/wording.py`), through the port."""

from __future__ import annotations

from ..domain import count

__all__ = ["count"]
