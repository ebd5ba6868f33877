"""`rolethread-tui [FILE]`: open the TUI (a copy of the bundled sample batch when no FILE).

docs/safety.md "Signals and terminals": the TUI needs a terminal (stdin and stdout), and no
app process outlives it. Without one it exits 2 at once instead of reading
an endless end-of-file. SIGHUP / SIGTERM before the app's own handlers are
installed end the start-up cleanly (lock released, journal kept), and a
watcher turns a terminal that goes away without a SIGHUP (the app was put
in its own session, or the hang-up was lost) into one.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import select
import shlex
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType

from .common import check_input
from .errors import Parser, UsageError


def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="rolethread-tui",
        description="Review a JSONL dataset in the terminal. Headless commands: "
                    "validate, stats, export, dedupe, slop, merge (rolethread-tui COMMAND -h).",
    )
    p.add_argument("file", nargs="?", help="JSONL file (default: your copy of the bundled "
                   "sample batch, in $XDG_DATA_HOME/rolethread-tui/sample/)")
    p.add_argument("-o", "--output", help="save to this path instead of over FILE")
    p.add_argument("--config", help="config file (default: $ROLETHREAD_CONFIG or XDG config)")
    p.add_argument("--serve", action="store_true",
                   help="serve the app in a browser (needs the 'serve' extra)")
    p.add_argument("--host", default="127.0.0.1", help="--serve address (default localhost)")
    p.add_argument("--port", type=int, default=8000, help="--serve port (default 8000)")
    p.add_argument("--allow-remote", action="store_true",
                   help="let --serve listen on an address other than loopback (anyone "
                        "who reaches it can edit the file)")
    return p


def is_loopback(host: str) -> bool:
    """Whether `host` only accepts connections from this machine. An empty host,
    0.0.0.0 or :: listen on every interface; a name other than localhost may
    resolve to anything, so only addresses that are loopback count."""
    import ipaddress  # only for --serve: not on the way to the first frame

    if host.strip().lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_serve_host(args: argparse.Namespace, path: Path) -> None:
    """docs/cli.md "Serving in a browser": a served app edits the file for whoever
    reaches it, so an address beyond this machine needs --allow-remote, and is
    announced on stderr when it is given."""
    if is_loopback(args.host):
        return
    if not args.allow_remote:
        raise UsageError(f"--host {args.host!r} is reachable from other machines, and anyone "
                         "who reaches the app can edit the file; add --allow-remote to "
                         "serve it there anyway")
    print(f"rolethread-tui: serving {str(path)!r} on {args.host!r} port {args.port} "
          "(--allow-remote): anyone who reaches it can edit the file", file=sys.stderr)


def serve(args: argparse.Namespace, path: Path) -> int:
    """Browser mode via textual-serve, bound to localhost unless told otherwise."""
    check_serve_host(args, path)
    try:
        from textual_serve.server import Server
    except ImportError as exc:
        raise UsageError("--serve needs textual-serve: pip install 'rolethread-tui[serve]'"
                         ) from exc
    command = [sys.executable, "-m", "rolethread_tui", str(path)]
    for flag, value in (("--output", args.output), ("--config", args.config)):
        if value:
            command += [flag, value]
    Server(shlex.join(command), host=args.host, port=args.port).serve()
    return 0


def check_review_output(output: str | None) -> None:
    """The app saves its `-o` again and again, each time atomically (a temp file
    renamed over it): a device or FIFO there would block the save on a reader
    (`export -o /dev/stdout` is the headless way), so only a file will do."""
    if not output:
        return
    from ..domain.special import path_kind

    what = path_kind(output)
    if what is not None:
        raise UsageError(f"{output}: not a regular file ({what}); the app saves to a file")


def sample_path() -> Path:
    """The user's copy of the bundled sample (made on first use; never the bundled file)."""
    from ..domain.sample import prepare_sample_copy

    sample = prepare_sample_copy()
    if sample.note:
        print(f"rolethread-tui: {sample.note}", file=sys.stderr)
    return sample.path


class StartupSignal(SystemExit):
    """SIGHUP or SIGTERM arrived before the app could handle it: exit 128 + signal."""


def run_tui(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    if args.file is not None and not args.file.strip():
        raise UsageError("empty path: name a FILE, or leave FILE out to open the sample batch")
    path = Path(args.file) if args.file is not None else sample_path()
    check_input(path, str(path))
    check_review_output(args.output)
    if args.serve:
        return serve(args, path)
    # textual-serve (--serve) runs this command with its web driver on pipes
    web = bool(os.environ.get("TEXTUAL_DRIVER"))
    if not web and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError("the TUI needs a terminal on stdin and stdout; for pipelines use "
                         "validate, stats, export, dedupe, slop or merge (or --serve)")
    signals = StartupSignals()
    with signals.installed(), responsive_ui():
        return _run_app(args, path, signals)


#: Seconds a busy thread (the scan, a count, the slop lens) may keep the GIL while
#: the UI thread waits for it. Python's 5 ms can be paid at each of the event loop's
#: turns a key takes: keys during a 100k scan, p90 14.6-18.5 -> 12.0-13.8 ms on a
#: quiet machine, more on a busy one (docs/architecture.md, "Keys during the scan").
UI_SWITCH_INTERVAL = 0.0002


#: Textual's screen updates tick on a fixed 1/FPS grid: a key arriving just after a
#: tick waits for the next one. At Textual's 60 that is up to 16.7 ms, which is what
#: a held key's 90th percentile paid (on a pty, 100k, quiet, 7 runs each: 15-31 ms,
#: median 19.6, at 60 -> 13-17 ms, median 15.4, at 120; the same bytes per key).
#: Only when the user has not set TEXTUAL_FPS.
UI_FPS = 120


@contextlib.contextmanager
def responsive_ui() -> Iterator[None]:
    """While the app runs, threads hand the UI the GIL within UI_SWITCH_INTERVAL,
    and Textual (imported in here, after this) repaints on a UI_FPS grid.

    Costs the scan nothing while the UI is idle: a thread is only asked to let
    go when another one is waiting (measured: the scan's wall time unchanged);
    a frame is only drawn when something changed.
    """
    previous = sys.getswitchinterval()
    sys.setswitchinterval(UI_SWITCH_INTERVAL)
    fps_given = "TEXTUAL_FPS" in os.environ
    if not fps_given:
        os.environ["TEXTUAL_FPS"] = str(UI_FPS)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)
        if not fps_given:
            os.environ.pop("TEXTUAL_FPS", None)


def _run_app(args: argparse.Namespace, path: Path, signals: StartupSignals) -> int:
    """The file is opened (its scan started) before the app's module loads Textual:
    the first rows are computed meanwhile (`tui/start.py`, issue #18)."""
    from ..domain.config import load_config
    from ..tui.start import begin_review

    config, warnings = load_config(args.config)
    for warning in warnings:
        print(f"rolethread-tui: {warning}", file=sys.stderr)
    app = begun = None
    try:
        with signals.deferred():  # the lock is taken in there: never lose the app holding it
            begun = begin_review(path, config, args.output)
            from ..tui.app import create_app

            app = create_app(path, config, output=args.output, begun=begun)
        _watch_terminal(sys.stdin.fileno())
        app.run()
    finally:
        if app is not None:
            app.shutdown_session()  # done on unmount too; here if the app died early
            app.finished()
        elif begun is not None:  # the app was never made: the lock is released here
            begun.abandon()
    return app.return_code or 0


class StartupSignals:
    """Until the app installs its own handlers, SIGHUP/SIGTERM raise `StartupSignal`.

    The exception unwinds through `_run_app`, which releases the lock; an
    unwind never removes the journal. While the app (and its lock) is being
    made, a signal is only noted and raised once the app is in hand.
    """

    def __init__(self) -> None:
        self.deferring = False
        self.received: int | None = None

    def _handler(self, signum: int, _frame: FrameType | None) -> None:
        if self.deferring:
            self.received = self.received or signum
            return
        raise StartupSignal(128 + signum)

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        previous = {sig: signal.signal(sig, self._handler)
                    for sig in (signal.SIGHUP, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        self.deferring = True
        try:
            yield
        finally:
            self.deferring = False
        if self.received is not None:
            raise StartupSignal(128 + self.received)


def _watch_terminal(fd: int) -> None:
    """Send ourselves SIGHUP when the terminal on fd hangs up or fails.

    `poll` with no events asked for reports only POLLHUP / POLLERR /
    POLLNVAL, so this thread never takes a key from the app. The app's
    SIGHUP handling then ends it like a dropped SSH link: journal kept,
    lock released.
    """

    def watch() -> None:
        poller = select.poll()
        poller.register(fd, 0)
        while True:
            try:
                if poller.poll():
                    break
            except InterruptedError:
                continue
        os.kill(os.getpid(), signal.SIGHUP)

    threading.Thread(target=watch, name="rolethread-terminal-watch", daemon=True).start()
