"""`rolethread-tui [FILE]`: open the TUI (a copy of the bundled sample batch when no FILE)."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import UsageError


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="rolethread-tui",
        description="Review a JSONL dataset in the terminal. Headless commands: "
                    "validate, stats, export, dedupe, merge (rolethread-tui COMMAND -h).",
    )
    p.add_argument("file", nargs="?", help="JSONL file (default: your copy of the bundled "
                   "sample batch, in $XDG_DATA_HOME/rolethread-tui/sample/)")
    p.add_argument("-o", "--output", help="save to this path instead of over FILE")
    p.add_argument("--config", help="config file (default: $ROLETHREAD_CONFIG or XDG config)")
    p.add_argument("--serve", action="store_true",
                   help="serve the app in a browser (needs the 'serve' extra)")
    p.add_argument("--host", default="127.0.0.1", help="--serve address (default localhost)")
    p.add_argument("--port", type=int, default=8000, help="--serve port (default 8000)")
    return p


def serve(args: argparse.Namespace, path: Path) -> int:
    """Browser mode via textual-serve, bound to localhost unless told otherwise."""
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


def sample_path() -> Path:
    """The user's copy of the bundled sample (made on first use; never the bundled file)."""
    from ..domain.sample import prepare_sample_copy

    sample = prepare_sample_copy()
    if sample.note:
        print(f"rolethread-tui: {sample.note}", file=sys.stderr)
    return sample.path


def run_tui(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    if args.file == "":
        raise UsageError("empty FILE path (leave FILE out to open the sample batch)")
    path = Path(args.file) if args.file is not None else sample_path()
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    if path.is_dir():
        raise UsageError(f"{path}: is a directory")
    if args.serve:
        return serve(args, path)
    from ..domain.config import load_config
    from ..tui.app import create_app

    config, warnings = load_config(args.config)
    for warning in warnings:
        print(f"rolethread-tui: {warning}", file=sys.stderr)
    app = create_app(path, config, output=args.output)
    try:
        app.run()
    finally:
        app.shutdown_session()  # already done on unmount; here too if the app died early
    return app.return_code or 0
