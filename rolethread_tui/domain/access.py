"""May this process edit a file? The lock and the permission bits, decided in one place.

docs/safety.md "The lock, and read-only" and docs/architecture.md: a session
edits a file only while it holds the file's lock (`lock.py`), the file's mode
allows writing, and the
`.rolethread/` folder can hold the lock and the journal. Otherwise it opens
read-only, and `Access.reason` says why in one line for the status bar or a
script. `claim` is what `opening.begin` (the TUI) and `Session.open` (the
library) both call, so a script honours the lock the app holds and the
other way round.

Root ignores permission bits, so `os.access` says yes to root for a 0444
file; the user still asked for read-only by clearing the write bits, so the
mode itself is checked (`no_write_reason`).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .lock import LockResult, acquire
from .wording import os_reason
from .writer import real_path, remove_leftover_temps


@dataclass(frozen=True, slots=True)
class Access:
    """The outcome of `claim`.

    lock: held (acquired) when the session may edit; release it when done.
    reason: None when writable; otherwise why the session must be read-only.
    removed_temps: temp files of killed saves that were cleaned up.
    """

    lock: LockResult
    reason: str | None = None
    removed_temps: list[Path] = field(default_factory=list)

    @property
    def read_only(self) -> bool:
        return self.reason is not None

    def release(self) -> bool:
        return self.lock.release()


def claim(path: str | os.PathLike[str], reviewer: str) -> Access:
    """Take the lock on path for an editing session, or say why it must be read-only.

    Checked in order: the file's write bits (no lock is taken for a file
    that cannot be saved in place), then the lock (a live holder keeps it;
    a dead, zombie or killed one is taken over at once), then whether
    `.rolethread/` could be written (it holds the lock, so a failure to
    create the lock is that). With the lock held, temp files that killed
    saves left beside the file are removed. Never raises for an unwritable
    file or folder: that is a reason, not an error.
    """
    data = Path(path)
    why = no_write_reason(data)
    if why is not None:
        return Access(LockResult(False), why)
    try:
        lock = acquire(data, reviewer)
    except OSError as exc:
        return Access(LockResult(False),
                      f"cannot create the lock beside {data.name} ({os_reason(exc, name=False)}); "
                      "opened read-only")
    if not lock.acquired:
        return Access(lock, lock.describe())
    return Access(lock, None, remove_leftover_temps(data))


def no_write_reason(path: str | os.PathLike[str]) -> str | None:
    """Why path cannot be saved in place, or None when it can.

    A mode without any write bit means read-only, for root too; otherwise
    `os.access` decides (ownership, ACLs, a read-only mount), and the folder
    must take the temp file a save renames over the file. A symlink is
    judged by its target, which is what a save writes.
    """
    data = Path(path)
    try:
        st = os.stat(data)
    except OSError as exc:
        return f"cannot read {data.name} ({os_reason(exc, name=False)})"
    mode = stat.S_IMODE(st.st_mode)
    if not mode & 0o222:
        return (f"{data.name} has no write permission (mode {mode:04o}); opened read-only "
                "(saving to another file still works)")
    if not os.access(data, os.W_OK):
        return f"{data.name} is not writable by you; opened read-only"
    folder = real_path(data).parent
    if not os.access(folder, os.W_OK | os.X_OK):
        return (f"the folder of {data.name} is not writable (a save needs a temp file "
                "beside the file); opened read-only")
    return None
