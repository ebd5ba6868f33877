"""Is the process that left a lock or a temp file still there? (Linux /proc where it helps.)

A lock or a leftover temp file names the pid that made it. That pid counts
as gone when it does not exist, when it is a zombie (dead, only waiting for
its parent to read its exit status — the usual state right after `kill -9`
until the shell or terminal reaps it), or when SIGKILL is already pending
for it (it cannot run another instruction). Any of these means its lock can
be taken over at once, whatever the lock's age.
"""

from __future__ import annotations

import os
from pathlib import Path

SIGKILL_BIT = 1 << (9 - 1)  # bit for signal 9 in /proc/<pid>/status signal masks
START_SLACK = 2.0  # seconds of clock granularity allowed when comparing start times


def alive(pid: int) -> bool:
    """True while pid can still act: it exists, is not a zombie and is not being killed."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by another user: /proc still tells its state
    return not _ending(pid)


def _ending(pid: int) -> bool:
    """A zombie, a dead task, or one with SIGKILL pending (False when /proc cannot tell)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    for line in status.splitlines():
        key, _, value = line.partition(":")
        if key == "State" and value.split()[:1] in (["Z"], ["X"]):
            return True
        if key in ("SigPnd", "ShdPnd"):
            try:
                if int(value.strip(), 16) & SIGKILL_BIT:
                    return True
            except ValueError:
                continue
    return False


def started_after(pid: int, since: float | None) -> bool:
    """True when process pid started after `since` (epoch): it cannot have made the lock.

    Linux only (/proc); elsewhere, or when unsure, False (the lock stays held).
    """
    if since is None:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22: starttime
        boot = next(int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
    except (OSError, ValueError, IndexError, StopIteration):
        return False
    started = boot + ticks / os.sysconf("SC_CLK_TCK")
    return started > since + START_SLACK
