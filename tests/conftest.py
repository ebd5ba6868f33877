"""Shared fixtures: small datasets written byte-exactly to a temp dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def chat(*turns: tuple[str, str], **extra: object) -> dict:
    """A ChatML record from (role, content) pairs."""
    return {"messages": [{"role": r, "content": c} for r, c in turns], **extra}


def clean_entry(n: int = 0) -> dict:
    return chat(
        ("system", "You are Mira, a wandering cartographer in a rainy port city."),
        ("user", f"Where does the old road lead, Mira? ({n})"),
        ("assistant",
         '*Mira unrolls a damp map.* "North, past the lighthouse, to the salt flats."'),
        ("user", "Will you take me there?"),
        ("assistant", '"At first light," she says, tapping the ink. "Bring a coat."'),
    )


@pytest.fixture
def write(tmp_path: Path):
    """write(lines_or_bytes, name) -> path; dict lines are json.dumps'ed one per line."""

    def _write(content: bytes | list, name: str = "data.jsonl") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            text = "".join(
                (json.dumps(x) if not isinstance(x, str) else x) + "\n" for x in content
            )
            path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A fixed reviewer, and config/state dirs that are never the real home."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("ROLETHREAD_REVIEWER", "tester")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))  # the sample copy
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))  # scan caches
    monkeypatch.delenv("ROLETHREAD_CACHE_DIR", raising=False)
    monkeypatch.delenv("ROLETHREAD_NO_CACHE", raising=False)
    monkeypatch.setenv("ROLETHREAD_STATE", str(home / "state.json"))
    monkeypatch.delenv("ROLETHREAD_CONFIG", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME and the XDG config/state dirs inside tmp_path (where config and state
    tests look for the files), with no override variables; returns HOME."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    monkeypatch.delenv("ROLETHREAD_CONFIG", raising=False)
    monkeypatch.delenv("ROLETHREAD_STATE", raising=False)
    return home
