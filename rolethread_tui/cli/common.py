"""Helpers shared by the headless commands."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .errors import UsageError

if TYPE_CHECKING:
    from ..domain.session import Session


@contextlib.contextmanager
def open_session(path: str, **kwargs: object) -> Iterator[Session]:
    """Open and fully scan a file, turning the usual failures into UsageError."""
    from ..domain.session import Session  # not for `input_file` alone (`slop`, `dedupe`)

    session = Session.open(input_file(path), claim_lock=False,  # reads only
                           **kwargs)  # type: ignore[arg-type]
    try:
        session.wait()
        yield session
    finally:
        session.close()


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="PATH",
                        help="config file for the checks' settings (short_response, extra "
                             "patterns; default: $ROLETHREAD_CONFIG, else the XDG config)")


def validation_settings(config_path: str | None) -> Any:
    """The validation settings a command checks with: the config's, as the app reads
    them, so `validate`, `stats`, `export` and the app count the same findings.

    None for the defaults (the app opens them that way: one scan-cache key for
    all of them). The config's warnings go to stderr; a broken config means the
    defaults, as in the app.
    """
    from ..domain.config import load_config

    config, warnings = load_config(config_path)
    for warning in warnings:
        print(f"rolethread-tui: {warning}", file=sys.stderr)
    return None if config.default_validation else config.validation


def given_path(path: str, what: str = "FILE") -> Path:
    """`path` as a Path, or a UsageError when it is empty: ``Path("")`` is ``.``,
    the current folder, which a command would report as "is a directory" (or,
    with `--engine dask`, read as a folder of shards). Blank counts as empty, as
    for the TUI's FILE."""
    if not path.strip():
        raise UsageError(f"empty path: name {what}")
    return Path(path)


#: What ``-o -`` writes to: standard output, as the usual convention has it, not a
#: file named "-" in the current folder (docs/cli.md).
STDOUT = Path("/dev/stdout")


def output_path(path: str, option: str) -> Path:
    """The file an option (``-o/--output``, ``--report``) names for writing; ``-`` is
    standard output (written into as ``-o /dev/stdout`` is, `stream_output`)."""
    if path == "-":
        return STDOUT
    return given_path(path, f"the file {option} writes")


def report_stream(out: Path | None) -> TextIO:
    """Where a command's report (its text or `--json`) goes: standard output, unless
    OUT is written there too (`-o -`, `-o /dev/stdout`): then standard error, so
    that what reads the data never gets the report appended to it."""
    if out is None:
        return sys.stdout
    try:
        same = os.path.samestat(os.stat(out), os.fstat(sys.stdout.fileno()))
    except (OSError, ValueError, io.UnsupportedOperation):  # no real stdout (a test's capture)
        same = out == STDOUT
    return sys.stderr if same else sys.stdout


def stream_output(out: Path) -> bool:
    """True when OUT is written into, not replaced: a character device, a FIFO, or
    `/dev/stdout` (docs/cli.md): no --force, no temp file beside it. A directory,
    a socket or a block device is a UsageError ("not a regular file")."""
    from ..domain.special import STREAMS, is_stream, path_kind

    what = path_kind(out)
    if what is not None and what not in STREAMS:
        raise UsageError(f"{out}: not a regular file ({what})")
    return is_stream(out)


def input_file(path: str) -> Path:
    """The file a command reads, or a UsageError saying why it can't be read."""
    file = given_path(path, "a FILE to read")
    check_input(file, path)
    return file


def check_input(file: Path, path: str) -> None:
    """A regular file to read, or a UsageError: missing, a folder, or a pipe or device.

    The type is read with `stat`, before anything opens the file: opening a FIFO
    nobody writes to would wait forever. A pipe (`/dev/stdin` fed by one, `<(…)`,
    `-`) is refused rather than copied to a temp file: the tool reads a file by
    offset, more than once and in threads, and a pipe can be read once; a copy
    of a multi-GB stream in a temp folder is for the user to place (docs/cli.md).
    """
    if path == "-" and not file.exists():
        raise UsageError("-: standard input is not read; save it to a file first and "
                         "name that file")
    if not file.exists():
        raise UsageError(f"{path}: no such file")
    if file.is_dir():
        raise UsageError(f"{path}: is a directory")
    from ..domain.special import path_kind

    what = path_kind(file)
    if what is not None:
        raise UsageError(f"{path} is {what}, not a file: save it to a file first")


def accept_dash_values(parser: argparse.ArgumentParser, *options: str) -> None:
    """Let `options` take a value that starts with ``-`` as the next argv item.

    A query may start with ``-`` (``--where -status:rejected``, docs/query.md), which
    argparse would read as an unknown option ("expected one argument"). Such a
    value is glued to its option (``--where=-status:rejected``) before this
    parser sees it; ``--where=...``, other values and the parser's own options
    (``--where --json`` is a missing query, not a query) pass unchanged.
    """
    parse = parser.parse_known_args

    def parse_known_args(args: Sequence[str] | None = None,
                         namespace: argparse.Namespace | None = None):  # type: ignore[no-untyped-def]
        if args is None:
            return parse(args, namespace)
        known = {name for action in parser._actions for name in action.option_strings}
        return parse(glue_values(list(args), options, known), namespace)

    parser.parse_known_args = parse_known_args  # type: ignore[method-assign]


def glue_values(argv: list[str], options: Sequence[str],
                known: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """`argv` with ``OPTION VALUE`` written ``OPTION=VALUE`` where VALUE starts with ``-``."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        item = argv[i]
        if item == "--":
            out.extend(argv[i:])
            break
        following = argv[i + 1] if i + 1 < len(argv) else None
        if item in options and following is not None and following.startswith("-") \
                and following != "--" and following.split("=", 1)[0] not in known:
            out.append(f"{item}={following}")
            i += 2
            continue
        out.append(item)
        i += 1
    return out
