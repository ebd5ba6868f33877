"""Who is reviewing: recorded in `_review.by` on every decision."""

from __future__ import annotations

import functools
import getpass
import os
import socket
import subprocess


@functools.cache
def reviewer_name() -> str:
    """`$ROLETHREAD_REVIEWER`, else `git config user.name`, else `$USER@host` (docs/formats.md)."""
    name = os.environ.get("ROLETHREAD_REVIEWER", "").strip()
    if name:
        return name
    try:
        out = subprocess.run(
            ["git", "config", "user.name"], capture_output=True, text=True, timeout=2, check=False
        )
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"
