"""The served app driven once in a real browser (DESIGN §7, docs/cli.md "Serving in a browser").

`rolethread-tui FILE --serve` runs as a subprocess on loopback; headless Chromium (the
system's, through Playwright: nothing is downloaded) opens the page, the test reads what
xterm.js shows, accepts the first entry with `a`, saves with `ctrl+s` and checks the
screen, the journal and the file. Then the server is ended and no process of its group
may be left.

Without Chromium (or Playwright, or textual-serve) the test is skipped, unless
ROLETHREAD_REQUIRE_BROWSER=1 (set by .ci/run, which installs Chromium): then it fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from rolethread_tui.domain.sample import bundled_sample

try:
    from playwright.sync_api import Page, sync_playwright
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # the dev extra brings it; a bare install skips
    sync_playwright = None  # type: ignore[assignment]

CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser"))), None)
REQUIRED = os.environ.get("ROLETHREAD_REQUIRE_BROWSER") == "1"
#: Seconds for the server to listen and the app to show its first rows (a loaded machine).
START_TIMEOUT = 30.0
#: Seconds for a key's effect to reach the screen.
KEY_TIMEOUT = 10.0

#: Run in the page before textual-serve's script. It keeps its xterm.js Terminal in a
#: closure (`this.terminal = new Terminal(...)`); an accessor on Object.prototype catches
#: it as it is stored and then removes itself. The page counts the terminal's parsed
#: writes (to wait on output, not on time) and reads its screen as text: the terminal
#: draws on a canvas, so the DOM holds no text.
PAGE_HOOKS = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal",
                          {value, writable: true, configurable: true, enumerable: true});
    if (value && typeof value.onWriteParsed === "function" && !window.__xterm) {
      delete Object.prototype.terminal;
      window.__xterm = value;
      value.onWriteParsed(() => { window.__parsed += 1; });
    }
  },
});
window.__parsed = 0;
window.__screen = () => {
  const term = window.__xterm;
  if (!term) return "";
  const buffer = term.buffer.active, rows = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
};
"""

#: textual-serve's page once the app's session has ended ("Session ended.").
CLOSED = "document.body.classList.contains('-closed')"
#: The status bar (tui/widgets/status_bar.py): unsaved mark, file, position/total, counts.
STATUS = re.compile(r"(●)? *(\S+) +(\d+|-)/(\d+) +✓(\d+) ✗(\d+) ~(\d+) ·(\d+)")
#: The list's row of entry 1: cursor column, number, status mark.
FIRST_ROW = re.compile(r"^\S? +1 (\S) ", re.MULTILINE)


def missing_requirement() -> str | None:
    """Why the browser test cannot run here, or None."""
    if CHROMIUM is None:
        return "no Chromium on PATH (Debian: apt-get install --no-install-recommends chromium)"
    if not Path("/proc/self/stat").exists():
        return "no /proc here to see the server's processes"
    if sync_playwright is None:
        return "Playwright is not installed (the dev extra: pip install -e '.[dev]')"
    try:
        import textual_serve  # noqa: F401
    except ImportError:
        return "textual-serve is not installed (the dev or serve extra)"
    return None


@pytest.fixture
def browser_ready() -> None:
    why = missing_requirement()
    if why and REQUIRED:
        pytest.fail(f"ROLETHREAD_REQUIRE_BROWSER=1 but {why}")
    if why:
        pytest.skip(f"{why}; ROLETHREAD_REQUIRE_BROWSER=1 turns this skip into a failure")


@dataclass(frozen=True)
class Status:
    """The status bar as the page shows it; `counted` sums the status counts, which
    reach the total once the scan is through."""

    dirty: bool
    position: str
    total: int
    accepted: int
    counted: int

    @classmethod
    def read(cls, screen: str) -> Status | None:
        found = STATUS.search(screen)
        if found is None:
            return None
        dirty, _name, position, total, accepted, *rest = found.groups()
        counts = [int(accepted), *map(int, rest)]
        return cls(bool(dirty), position, int(total), int(accepted), sum(counts))


def first_row_mark(screen: str) -> str | None:
    """Entry 1's status mark in the list (`·` unreviewed, `✓` accepted)."""
    found = FIRST_ROW.search(screen)
    return found and found.group(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check: Callable[[], bool], what: str, timeout: float) -> None:
    """For things outside the page (a port, processes): poll until `check` holds."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what}: not within {timeout:.0f} s"
        time.sleep(0.05)


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def group_members(pgid: int) -> set[int]:
    """The processes of a group, zombies included (not yet reaped by their parent)."""
    members = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # after the command's closing parenthesis: state, ppid, pgrp, ...
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) == pgid:
                members.add(int(stat.parent.name))
    return members


@dataclass
class Served:
    """The running server: the page's address, its process (leader of the group that
    holds the apps it starts too) and the file its output goes to."""

    url: str
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        """SIGTERM to the group (server and app); then nothing of it may remain, and
        the server must have ended cleanly."""
        pgid = self.process.pid
        if group_alive(pgid):
            os.killpg(pgid, signal.SIGTERM)
        try:
            self.process.wait(timeout=KEY_TIMEOUT)
            wait_until(lambda: not group_alive(pgid), "the server's processes ending", KEY_TIMEOUT)
        except (subprocess.TimeoutExpired, AssertionError):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
            self.process.wait()
            raise
        log = self.output()
        assert self.process.returncode == 0 and "Traceback" not in log, log

    def output(self) -> str:
        """What the server and the app wrote (textual-serve relays the app's stderr)."""
        return self.log.read_text(errors="replace")


@pytest.fixture
def served(browser_ready: None, tmp_path: Path) -> Iterator[Served]:
    """`rolethread-tui batch.jsonl --serve --port P` (a copy of the sample) in its own
    process group; stopped at the end if the test has not stopped it."""
    batch = tmp_path / "batch.jsonl"
    shutil.copyfile(bundled_sample(), batch)
    script = Path(sys.executable).with_name("rolethread-tui")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "rolethread_tui"]
    port, log = free_port(), tmp_path / "server.log"
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_DRIVER"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, str(batch), "--serve", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Served(f"http://127.0.0.1:{port}/", process, log)
    try:
        wait_until(
            lambda: listening(port) or process.poll() is not None,
            "the server listening",
            START_TIMEOUT,
        )
        assert process.poll() is None, server.output()
        yield server
    finally:
        if process.returncode is None:
            server.stop()


def wait_screen(
    page: Page,
    served: Served,
    check: Callable[[str], bool],
    what: str,
    timeout: float = KEY_TIMEOUT,
) -> str:
    """The terminal's text once `check` holds, looking again after each write it parses.
    textual-serve marks the page `-closed` when the app's session ends: no use waiting.
    (An app that dies without saying so leaves the page as it was: then the timeout.)"""
    deadline = time.monotonic() + timeout
    while True:
        parsed, screen, closed = page.evaluate(f"[window.__parsed, window.__screen(), {CLOSED}]")
        if check(screen):
            return screen
        seen = f"the page shows:\n{screen}\nthe server's output:\n{served.output()}"
        assert not closed, f"{what}: the app's session ended; {seen}"
        left = deadline - time.monotonic()
        assert left > 0, f"{what}: not on the page within {timeout:.0f} s; {seen}"
        # On a timeout the loop looks once more, then reports what the page shows
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_function(
                f"n => window.__parsed > n || {CLOSED}", arg=parsed, timeout=left * 1000
            )


def loaded(screen: str, total: int) -> bool:
    """The first rows are drawn and the scan has counted every entry."""
    status = Status.read(screen)
    return (
        status is not None
        and status.total == status.counted == total
        and first_row_mark(screen) is not None
    )


def open_page(page: Page, served: Served, total: int) -> Status:
    """The served app in the page, once its rows and counts are all there."""
    page.add_init_script(PAGE_HOOKS)
    # The page asks Google Fonts for its font: no network here, so fail at once
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.abort())
    page.goto(served.url)
    screen = wait_screen(page, served, lambda s: loaded(s, total), "the first rows", START_TIMEOUT)
    status = Status.read(screen)
    assert status is not None and not status.dirty and status.position == "1"
    assert first_row_mark(screen) == "·"  # the sample's first entry is unreviewed
    return status


def test_a_reviewer_accepts_and_saves_in_the_browser(served: Served, tmp_path: Path) -> None:
    batch, journal = tmp_path / "batch.jsonl", tmp_path / ".rolethread" / "batch.jsonl.journal"
    before = batch.read_bytes().splitlines(keepends=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            page = browser.new_page()
            start = open_page(page, served, total=len(before))
            page.locator(".xterm-helper-textarea").focus()  # a click would pick a row
            page.keyboard.press("a")
            accepted = replace(start, dirty=True, position="2", accepted=start.accepted + 1)
            wait_screen(
                page,
                served,
                lambda s: first_row_mark(s) == "✓" and Status.read(s) == accepted,
                "entry 1 marked accepted and counted, unsaved, the cursor on entry 2",
            )
            assert b'"accepted"' in journal.read_bytes()  # journaled before it showed
            assert batch.read_bytes() == b"".join(before)  # not written yet

            page.keyboard.press("Control+s")
            saved = replace(accepted, dirty=False)
            wait_screen(page, served, lambda s: Status.read(s) == saved, "the file saved")
        finally:
            browser.close()
    after = batch.read_bytes().splitlines(keepends=True)
    review = json.loads(after[0])["_review"]
    assert (review["status"], review["by"]) == ("accepted", "tester")
    assert after[1:] == before[1:]  # the other entries byte for byte

    # A closed page ends its app (textual-serve tells it to quit) and the server reaps
    # it; ending the server while an app still runs makes asyncio complain at its exit.
    pgid = served.process.pid
    wait_until(lambda: group_members(pgid) == {pgid}, "the app ending with its page", KEY_TIMEOUT)
    assert not (tmp_path / ".rolethread" / "batch.jsonl.lock").exists()  # lock released
    assert not journal.exists()  # the session ended with nothing unsaved
    served.stop()  # nothing of the server's process group is left (asserted in there)
