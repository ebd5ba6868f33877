"""How headless commands fail: one line on stderr, exit code 2, never a traceback."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import NoReturn

from ..domain.wording import os_reason


class UsageError(Exception):
    """A failure the user can fix (bad path, bad query, bad option): exit 2."""


def describe(exc: BaseException) -> str:
    """A one-line message for any failure, naming the file when there is one."""
    reason = os_reason(exc, name=False)  # the domain's wording, never "[Errno 28] …"
    return f"{exc.filename}: {reason}" if isinstance(exc, OSError) and exc.filename else reason


class Parser(argparse.ArgumentParser):
    """Every command's parser (the TUI's, `main`'s and, through `add_subparsers`,
    each subcommand's): a usage error is one line, ``rolethread-tui COMMAND: what``,
    exit 2 (docs/cli.md). argparse's own would print the usage block first, several
    lines a pipeline's log has to be read around; `-h` still shows it."""

    def error(self, message: str) -> NoReturn:
        line = " ".join(message.splitlines())
        self.exit(2, f"{self.prog}: {line}\n")

    def parse_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                   namespace: argparse.Namespace | None = None) -> argparse.Namespace:
        """As argparse's, but an unknown argument after a subcommand is that
        subcommand's error (``rolethread-tui validate: unrecognized arguments: …``)."""
        parsed, extra = self.parse_known_args(args, namespace)
        if extra:
            self._chosen(parsed).error(f"unrecognized arguments: {' '.join(extra)}")
        return parsed

    def _chosen(self, parsed: argparse.Namespace) -> argparse.ArgumentParser:
        """The subcommand's parser that ran, or this one when there is none."""
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                chosen = action.choices.get(getattr(parsed, action.dest, None))  # type: ignore[union-attr]
                if chosen is not None:
                    return chosen
        return self
