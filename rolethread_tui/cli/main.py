"""The `rolethread-tui` command: the TUI by default, headless subcommands for pipelines."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from importlib import import_module

from .errors import Parser, UsageError, describe

#: The headless commands, each a module of this package. Imported only when the
#: parser is built: the TUI (no subcommand) starts without any of them — they
#: pull in the whole domain, orjson and the near-duplicate machinery
#: (docs/architecture.md, "Start-up: first rows first").
COMMANDS = ("validate", "stats", "export", "dedupe", "merge", "slop")
SUBCOMMANDS = set(COMMANDS)
MAIN_OPTIONS = ("-h", "--help", "--version")

EXAMPLES = """\
examples:
  rolethread-tui                                 review your copy of the bundled sample
  rolethread-tui batch.jsonl                     review a file in the TUI
  rolethread-tui validate batch.jsonl --json     findings as JSON; exit 1 on errors
  rolethread-tui validate batch.jsonl --fix -o fixed.jsonl
  rolethread-tui stats batch.jsonl --where 'origin:generated issue:refusal'
  rolethread-tui export batch.jsonl -o train.jsonl --clean --format sharegpt
  rolethread-tui dedupe batch.jsonl --threshold 0.85 --json
  rolethread-tui merge shard1.jsonl shard2.jsonl -o merged.jsonl
  rolethread-tui slop batch.jsonl --top 20       entries with the most repeated phrasing first

Each command has its own help: rolethread-tui COMMAND -h. Exit codes: 0 done,
1 validate found errors, 2 usage error or unreadable file (one line on stderr),
141 the output's reader stopped early (| head), silently.
"""


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of ``command`` alone (the one being run: the
    other commands' modules, and what they import, are not loaded)."""
    parser = Parser(
        prog="rolethread-tui",
        description="Review and curate conversational fine-tuning datasets (JSONL).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version, nargs=0,
                        help="show program's version number and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS if command is None else (command,):
        import_module(f"{__package__}.{name}").add_parser(sub)
    return parser


class _Version(argparse.Action):
    """`--version`, the version read only when asked (importlib.metadata, ~0.05 s:
    not for every headless command, nor for the TUI)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        from ..domain.resources import package_version

        print(f"rolethread-tui {package_version()}")
        parser.exit()


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in SUBCOMMANDS and argv[0] not in MAIN_OPTIONS):
        from .tui_entry import run_tui

        return _guard(lambda: run_tui(argv))
    parser = build_parser(argv[0] if argv[0] in SUBCOMMANDS else None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return _guard(lambda: args.run(args))


#: The exit status when the output's reader went away (`| head`): 128 + SIGPIPE,
#: what a shell reports for a GNU tool the closed pipe ended (docs/cli.md).
BROKEN_PIPE = 141


def _guard(action) -> int:  # type: ignore[no-untyped-def]
    """Run a command; any failure becomes one line on stderr and exit 2."""
    try:
        code = action()
        sys.stdout.flush()  # the last of the output meets a closed pipe here, not at exit
        return code
    except KeyboardInterrupt:
        print("rolethread-tui: interrupted", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return _reader_gone()
    except (UsageError, Exception) as exc:
        print(f"rolethread-tui: {describe(exc)}", file=sys.stderr)
        return 2


def _reader_gone() -> int:
    """The output was cut off by its reader (`| head`, a FIFO closed early): not a
    success, so not 0, but nothing to report either — the reader chose to stop. As
    GNU tools do: no message, the status a SIGPIPE gives (BROKEN_PIPE). Standard
    output goes to /dev/null first, or the interpreter's last flush at exit would
    meet the closed pipe again and print "Exception ignored … BrokenPipeError"."""
    with contextlib.suppress(OSError, ValueError):  # no real stdout (a test's capture)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
