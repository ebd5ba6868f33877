"""One wording for an OS error (domain/wording.os_reason): the lock, the export, the
crash journal said "[Errno 28] None" or their own variants (review). Each message
keeps its context ("cannot write OUT: …") and shows file names literally."""

from __future__ import annotations

import errno
import os

import pytest

from rolethread_tui.domain import journal as journal_module
from rolethread_tui.domain import os_reason, writer
from rolethread_tui.domain.opening import close, open_for_review
from rolethread_tui.tui.app import create_app
from rolethread_tui.tui.screens import export_flow

from .conftest import clean_entry
from .tui_helpers import settle

#: (errno, the OS's message): full disk, no permission, read-only mount — and the
#: same with no message, which `str()` words "[Errno 28] None".
ERRORS = [(errno.ENOSPC, "No space left on device"), (errno.EACCES, "Permission denied"),
          (errno.EROFS, "Read-only file system"), (errno.ENOSPC, None)]


def _said(number: int) -> str:
    return os.strerror(number)


def test_os_reason_words_a_bare_number_and_can_leave_the_name_to_the_sentence() -> None:
    full = OSError(errno.ENOSPC, "No space left on device", "/tmp/x/[b]out.jsonl")
    assert os_reason(full) == "No space left on device ([b]out.jsonl)"
    assert os_reason(full, name=False) == "No space left on device"
    assert os_reason(OSError(errno.EROFS, None)) == _said(errno.EROFS)
    assert os_reason(ValueError("plain")) == "plain"


def notes(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(n.message) for n in app._notifications]


@pytest.mark.parametrize(("number", "message"), ERRORS)
async def test_an_export_that_cannot_be_written_says_why_in_words(
        write, tmp_path, monkeypatch, number, message) -> None:
    data = write([clean_entry(i) for i in range(3)])
    out = tmp_path / "[b]out.export.jsonl"  # markup-like: shown as typed

    def refuse(self, piece):  # type: ignore[no-untyped-def]
        raise OSError(number, message)  # as a write(2) fails: no file name

    app = create_app(data)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(app, pilot)
        monkeypatch.setattr(writer._Output, "write", refuse)
        export_flow._write(app, None, "w", out)
        await settle(app, pilot)
        said = notes(app)
    assert f"Export failed: cannot write {out}: {_said(number)}" in said, said
    assert not any("Errno" in m or "None" in m for m in said), said
    assert not out.exists()


@pytest.mark.parametrize(("number", "message"), ERRORS)
async def test_a_change_the_journal_cannot_record_says_why_in_words(
        write, monkeypatch, number, message) -> None:
    data = write([clean_entry(i) for i in range(3)])

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(number, message)

    app = create_app(data)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(app, pilot)
        monkeypatch.setattr(journal_module, "_write_all", refuse)
        await pilot.press("a")
        await settle(app, pilot)
        said = notes(app)
        assert not app.session.dirty  # nothing changed
    assert ("Not done: the change could not be recorded in the crash journal "
            f"({_said(number)}).") in said, said
    assert not any("Errno" in m or "None" in m for m in said), said


@pytest.mark.parametrize(("number", "message"), ERRORS)
async def test_a_lock_that_cannot_be_created_says_why_in_words(
        write, monkeypatch, number, message) -> None:
    import rolethread_tui.domain.access as access

    data = write([clean_entry(i) for i in range(2)], "[i]data.jsonl")

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(number, message, str(data.parent / ".rolethread"))

    monkeypatch.setattr(access, "acquire", refuse)
    opened = open_for_review(data, reviewer="tester")
    want = f"cannot create the lock beside [i]data.jsonl ({_said(number)}); opened read-only"
    assert opened.readonly_reason == want
    close(opened)
    app = create_app(data)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        said = notes(app)
    assert any(want in m for m in said), said
    assert not any("Errno" in m or "None" in m for m in said), said


@pytest.mark.parametrize(("number", "message"), ERRORS)
def test_the_cli_says_a_failed_export_in_one_plain_line(
        write, tmp_path, monkeypatch, capsys, number, message) -> None:
    from rolethread_tui.cli.main import main

    data = write([clean_entry(i) for i in range(2)])
    out = tmp_path / "[b]out.jsonl"

    def refuse(self, piece):  # type: ignore[no-untyped-def]
        raise OSError(number, message)

    monkeypatch.setattr(writer._Output, "write", refuse)
    assert main(["export", str(data), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == f"rolethread-tui: {out}: {_said(number)}\n"


@pytest.mark.parametrize(("number", "message"), ERRORS)
async def test_a_failed_save_says_why_in_words(write, monkeypatch, number, message) -> None:
    data = write([clean_entry(i) for i in range(2)], "[u]data.jsonl")

    def refuse(self, piece):  # type: ignore[no-untyped-def]
        raise OSError(number, message)

    app = create_app(data)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        monkeypatch.setattr(writer._Output, "write", refuse)
        await pilot.press("s")
        await settle(app, pilot)
        said = notes(app)
        assert app.session.dirty
    assert any(m.startswith(f"Save failed: {_said(number)} ({data})") for m in said), said
    assert not any("Errno" in m or "None" in m for m in said), said


@pytest.mark.parametrize(("number", "message"), ERRORS)
def test_a_crash_journal_that_cannot_be_written_says_why_once(
        write, monkeypatch, number, message) -> None:
    """It read "cannot write the crash journal (No space left on device (….journal))":
    the sentence names the data file, the reason is said once, in one pair of brackets."""
    from rolethread_tui.domain.journal import Journal, journal_path

    data = write([clean_entry(i) for i in range(2)], "[i]data.jsonl")

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(number, message, str(journal_path(data)))

    monkeypatch.setattr(Journal, "create", refuse)
    opened = open_for_review(data, reviewer="tester")
    try:
        assert opened.readonly_reason == (
            f"cannot write the crash journal beside [i]data.jsonl ({_said(number)}); "
            "opened read-only so that no edit can be lost")
    finally:
        close(opened)
