"""Reload and re-apply: save this session's work onto a file that changed on disk.

Another program appended to the file, or rewrote some lines, while it was open:
saving over it would destroy that work, and refusing leaves ours stranded. So
read the file as it is now and replay this session's changes on it **by entry
id** (docs/safety.md):

- an entry we changed whose line on disk is still the one we loaded: ours wins;
- an entry we changed that was also changed on disk, or removed there: theirs
  stays, ours goes to a conflict file beside it, and the report names it —
  nothing is dropped silently;
- an entry we deleted: removed, unless it changed on disk (then it stays, reported);
- an entry we added: inserted after the entry it followed here, or at the end.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import review as rv
from .errors import FileChangedError
from .records import one_line, parse_line
from .store import LineStore
from .writer import backup, pieces, write_atomic

CONFLICT_TAG = ".rolethread-conflict"


@dataclass(slots=True)
class Reapplied:
    """What a reload-and-re-apply did, in numbers and entry ids."""

    applied: int = 0  # our changed entries written over their unchanged disk lines
    added: int = 0
    deleted: int = 0
    changed_on_disk: list[str] = field(default_factory=list)  # ids: theirs kept, ours aside
    removed_on_disk: list[str] = field(default_factory=list)  # ids: ours aside
    conflict_file: Path | None = None

    def summary(self) -> str:
        parts = [f"{self.applied} changed, {self.added} added, {self.deleted} deleted"]
        if self.changed_on_disk:
            parts.append(f"{len(self.changed_on_disk)} also changed on disk (kept theirs)")
        if self.removed_on_disk:
            parts.append(f"{len(self.removed_on_disk)} removed on disk")
        if self.conflict_file is not None:
            parts.append(f"our versions of those are in {self.conflict_file.name}")
        return "; ".join(parts)


@dataclass(slots=True)
class _Ours:
    """This session's net effect on the loaded file, by loaded record id."""

    changed: dict[int, bytes]  # loaded rid -> our line
    deleted: set[int]
    added: list[tuple[int | None, bytes]]  # (loaded rid it follows, or None), our line


def conflict_path(data: Path) -> Path:
    """`<stem>.rolethread-conflict<suffix>` beside data, numbered until the name is free."""
    suffix = ".jsonl" if data.suffix.lower() in ("", ".json") else data.suffix  # lines
    candidate = data.with_name(f"{data.stem}{CONFLICT_TAG}{suffix}")
    n = 1
    while candidate.exists():
        n += 1
        candidate = data.with_name(f"{data.stem}{CONFLICT_TAG}-{n}{suffix}")
    return candidate


def loaded_bytes_intact(store: LineStore, path: Path) -> bool:
    """Can the session still read what it loaded? A file replaced by rename (a new
    inode) or only appended to (its first bytes as loaded) leaves them readable; one
    rewritten in place does not, and then nothing can be matched or re-applied."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return True  # deleted: our descriptor still holds the old file
    loaded = store.stamp
    if st.st_ino != loaded.inode:
        return True
    return st.st_size >= loaded.size and _prefix_digest(path, loaded.size) == loaded.digest


def _prefix_digest(path: Path, size: int, span: int = 1 << 16) -> str:
    """`FileStamp`'s edge digest of the file's first `size` bytes (what was loaded),
    whatever was appended since."""
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        h.update(f.read(min(span, size)))
        if size > span:
            start = max(span, size - span)
            f.seek(start)
            h.update(f.read(size - start))
    return h.hexdigest()


def reapply(session: object, target: Path) -> Reapplied:
    """Write the file as it is on disk now plus this session's changes, by entry id."""
    doc = session.doc  # type: ignore[attr-defined]
    if not loaded_bytes_intact(doc.store, target):
        raise FileChangedError(
            f"{target.name} was rewritten in place: the lines this session loaded are gone, "
            "so its changes cannot be matched. Save a copy instead (your changes are safe "
            "in the journal).")
    ours = _ours(doc)
    disk = LineStore(target)
    try:
        for _ in disk.index_chunks():
            pass
        disk.publish(len(disk.starts))
        return _write(doc, ours, disk, target)
    finally:
        disk.close()


def _ours(doc: object) -> _Ours:
    loaded = doc.store.count  # type: ignore[attr-defined]
    order = list(doc.rids())  # type: ignore[attr-defined]
    kept = set(order)
    changed = {rid: line for rid in order if rid < loaded
               and (line := doc.save_line(rid)) is not None}  # type: ignore[attr-defined]
    added: list[tuple[int | None, bytes]] = []
    anchor: int | None = None
    for rid in order:
        if rid < loaded:
            anchor = rid
        else:
            added.append((anchor, doc.save_line(rid)))  # type: ignore[attr-defined]
    deleted = {rid for rid in range(loaded) if rid not in kept}
    return _Ours(changed, deleted, added)


def _eid(line: bytes) -> str:
    return rv.entry_id(parse_line(line), line)


def _write(doc: object, ours: _Ours, disk: LineStore, target: Path) -> Reapplied:
    report = Reapplied()
    original = doc.original  # type: ignore[attr-defined]
    by_id: dict[str, int] = {}
    for rid in range(disk.count):
        by_id.setdefault(_eid(disk.line(rid)), rid)
    replace: dict[int, bytes] = {}
    drop: set[int] = set()
    aside: list[bytes] = []
    for rid, line in ours.changed.items():
        eid, at, same = _match(by_id, disk, original(rid))
        if same:
            replace[at] = line
            report.applied += 1
        else:
            (report.removed_on_disk if at is None else report.changed_on_disk).append(eid)
            aside.append(line)
    for rid in ours.deleted:
        eid, at, same = _match(by_id, disk, original(rid))
        if same:
            drop.add(at)
            report.deleted += 1
        elif at is not None:
            report.changed_on_disk.append(eid)
    after: dict[int | None, list[bytes]] = {}
    for anchor, line in ours.added:
        at = None if anchor is None else by_id.get(_eid(original(anchor)), disk.count - 1)
        after.setdefault(at, []).append(line)
        report.added += 1
    if aside:
        report.conflict_file = conflict_path(target)
        write_atomic(report.conflict_file, (one_line(line) + b"\n" for line in aside))
    backup(target)
    order, lines = _order(disk, drop, after)
    write_atomic(target, pieces(disk, order, len(order),
                                lambda rid: lines.get(rid, replace.get(rid))))
    return report


def _match(by_id: dict[str, int], disk: LineStore, loaded_line: bytes
           ) -> tuple[str, int | None, bool]:
    """(entry id, its record on disk or None when gone, whether it is as we loaded it)."""
    eid = _eid(loaded_line)
    at = by_id.get(eid)
    return eid, at, at is not None and disk.line(at) == loaded_line


def _order(disk: LineStore, drop: set[int], after: dict[int | None, list[bytes]]
           ) -> tuple[list[int], dict[int, bytes]]:
    """The output order over disk rids, with our added lines as rids past the end."""
    order: list[int] = []
    lines: dict[int, bytes] = {}
    extra = iter(range(disk.count, disk.count + sum(map(len, after.values()))))

    def add(group: list[bytes]) -> Iterator[int]:
        for line in group:
            rid = next(extra)
            lines[rid] = line
            yield rid

    order.extend(add(after.get(None, [])))
    for rid in range(disk.count):
        if rid not in drop:
            order.append(rid)
        order.extend(add(after.get(rid, [])))
    return order, lines
