"""Reads and background figures that fail say why in words (domain/wording.os_reason):
a config or theme file that cannot be read said "cannot read ([Errno 13] None)", and
the duplicates / slop lens toasts showed the raw exception, markup and all (review)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from rolethread_tui.domain import Session
from rolethread_tui.domain.config import load_config
from rolethread_tui.domain.themes import ThemeFileError, load_theme_file
from rolethread_tui.tui.app import create_app

from .conftest import clean_entry
from .tui_helpers import settle

#: (the error raised, what the sentence says): an OS error with a message, without
#: one (str() words it "[Errno 5] None"), one naming a markup-like file, and an
#: error of the code whose text runs on over several lines.
FAILURES = [
    (OSError(errno.EACCES, "Permission denied"), "Permission denied"),
    (OSError(errno.EIO, None), os.strerror(errno.EIO)),
    (OSError(errno.ENOSPC, None, "/x/[b]data.jsonl"),
     f"{os.strerror(errno.ENOSPC)} ([b]data.jsonl)"),
    (RuntimeError("the index went away\nTraceback (most recent call last):"),
     "the index went away"),
]
OS_FAILURES = [f for f in FAILURES if isinstance(f[0], OSError)]


def test_any_other_error_is_its_first_line_or_its_kind() -> None:
    from rolethread_tui.domain import os_reason

    assert os_reason(RuntimeError("the index went away\n  File 'x', line 3")) == (
        "the index went away")
    assert os_reason(KeyError()) == "KeyError" and os_reason(OSError()) == "OSError"


def _refuse_to_open(monkeypatch: pytest.MonkeyPatch, target: Path, exc: OSError) -> None:
    real = Path.open

    def opened(self: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self == target:
            raise exc
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", opened)


@pytest.mark.parametrize(("exc", "said"), OS_FAILURES)
def test_a_config_file_that_cannot_be_read_says_why_in_words(
        tmp_path, monkeypatch, exc, said) -> None:
    path = tmp_path / "config.toml"
    path.write_text('reviewer = "me"\n', encoding="utf-8")
    _refuse_to_open(monkeypatch, path, exc)
    _config, warnings = load_config(str(path))
    reason = said.split(" (")[0]  # the sentence names the file already
    assert warnings == [f"{path}: cannot read ({reason}); using the default settings"]


@pytest.mark.parametrize(("exc", "said"), OS_FAILURES)
def test_a_theme_file_that_cannot_be_read_says_why_in_words(
        tmp_path, monkeypatch, exc, said) -> None:
    path = tmp_path / "dusk.toml"
    path.write_text('name = "dusk"\n', encoding="utf-8")
    _refuse_to_open(monkeypatch, path, exc)
    with pytest.raises(ThemeFileError) as raised:
        load_theme_file(path)
    assert str(raised.value) == f"{path}: cannot read ({said.split(' (')[0]})"


def _toasts(app) -> list[tuple[str, bool]]:  # type: ignore[no-untyped-def]
    return [(str(n.message), n.markup) for n in app._notifications]


@pytest.mark.parametrize(("exc", "said"), FAILURES)
@pytest.mark.parametrize(("job", "keys", "toast"), [
    ("find_duplicates", ("D",), "Could not find duplicates"),  # asked for
    ("slop", (), "Slop lens not computed"),  # computed on its own after the scan
])
async def test_background_work_that_fails_says_why_in_words(
        write, monkeypatch, exc, said, job, keys, toast) -> None:
    def fail(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise exc

    monkeypatch.setattr(Session, job, fail)
    app = create_app(write([clean_entry(i) for i in range(3)]))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press(*keys)
        await settle(app, pilot)
        toasts = _toasts(app)
    assert (f"{toast}: {said}", False) in toasts, toasts
    assert not any("Errno" in m or "None" in m or "Traceback" in m for m, _ in toasts), toasts


@pytest.mark.parametrize(("exc", "said"), FAILURES[2:])
async def test_insights_say_why_duplicates_were_not_found_in_words(
        write, monkeypatch, exc, said) -> None:
    from rolethread_tui.tui.screens.insights import InsightsScreen

    def fail(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise exc

    monkeypatch.setattr(Session, "find_duplicates", fail)
    app = create_app(write([clean_entry(i) for i in range(3)]))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("i")
        for _ in range(20):  # the duplicate phase starts after the others
            await settle(app, pilot)
            if isinstance(app.screen, InsightsScreen) and app.screen._phase is None:
                break
        toasts = _toasts(app)
    assert (f"could not find duplicates: {said}", False) in toasts, toasts
