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

Byte-identical lines without an id are told apart by the rule of `line_repeats`
(the k-th copy is `<hash>-<k>`), on disk as in the session: the k-th copy we
loaded is the k-th on disk — but only while the disk holds as many copies as we
loaded. Otherwise which is which cannot be told, and our changes to them are
conflicts like any other (theirs stay, ours go aside, the report counts them).
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import review as rv
from .errors import FileChangedError
from .line_repeats import nth_id
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
    # ids of entries without an id of their own whose line is not on disk any more:
    # changed or removed there, nothing tells which (theirs kept, ours aside)
    unmatched: list[str] = field(default_factory=list)
    # ids of identical lines the disk now holds another number of copies of:
    # which copy is which cannot be told (theirs kept, ours aside)
    ambiguous: list[str] = field(default_factory=list)
    conflict_file: Path | None = None

    @property
    def conflicts(self) -> bool:
        """Whether any of our changes did not land (theirs kept, reported)."""
        return bool(self.changed_on_disk or self.removed_on_disk or self.unmatched
                    or self.ambiguous)

    def summary(self) -> str:
        parts = [f"{self.applied} changed, {self.added} added, {self.deleted} deleted"]
        if self.changed_on_disk:
            parts.append(f"{len(self.changed_on_disk)} also changed on disk (kept theirs)")
        if self.removed_on_disk:
            parts.append(f"{len(self.removed_on_disk)} removed on disk")
        if self.unmatched:
            parts.append(f"{len(self.unmatched)} changed or removed on disk (no id of "
                         "their own to tell which; kept theirs)")
        if self.ambiguous:
            parts.append(f"{len(self.ambiguous)} identical to other lines whose number of "
                         "copies changed on disk (which is which cannot be told; kept theirs)")
        if self.conflict_file is not None:
            parts.append(f"our versions of those are in {self.conflict_file.name}")
        return "; ".join(parts)


@dataclass(slots=True)
class _Ours:
    """This session's net effect on the loaded file, by loaded record id."""

    changed: dict[int, bytes]  # loaded rid -> our line
    deleted: set[int]
    added: list[tuple[int | None, bytes]]  # (loaded rid it follows, or None), our line


def conflict_path(data: Path, *, lines: bool = False) -> Path:
    """`<stem>.rolethread-conflict<suffix>` beside data, numbered until the name is free.

    A copy of the whole session (the app's "save a copy") is written in the data's own
    shape, so it keeps its suffix: a `.json` array's copy is an array that `validate` and
    `merge` read as such. `lines`: the file holds one entry a line (re-apply's conflict
    file), so a `.json` data file's is named `.jsonl` (docs/formats.md)."""
    lined = data.suffix.lower() == ".json" and lines
    suffix = ".jsonl" if lined or not data.suffix else data.suffix
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


def gone(path: Path) -> bool:
    """The file was deleted (or moved away) since it was loaded: nothing to re-apply
    onto, and nothing a write at its path could destroy."""
    return not path.exists()  # a link to a file that is gone counts: a save writes it


def reapply(session: object, target: Path) -> Reapplied:
    """Write the file as it is on disk now plus this session's changes, by entry id."""
    doc = session.doc  # type: ignore[attr-defined]
    if gone(target):
        raise FileChangedError(
            f"{target.name} is gone from disk (deleted or moved): there is nothing to "
            "re-apply onto. Save it back, or save a copy (your changes are safe in the "
            "journal).")
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


def _disk_ids(disk: LineStore) -> tuple[list[str], Counter[str]]:
    """Every disk line's id, by the rule the session used (`line_repeats`: the k-th
    identical line without an id is `<hash>-<k>`), and how many copies of each
    hash-only line the disk holds."""
    ids: list[str] = []
    copies: Counter[str] = Counter()
    for rid in range(disk.count):
        line = disk.line(rid)
        base = rv.line_id(line)  # hashed once; parsed only when it may hold an id
        eid = rv.entry_id(parse_line(line), line) if rv.may_hold_id(line) else base
        if eid == base:
            copies[eid] += 1
            eid = nth_id(eid, copies[eid])
        ids.append(eid)
    return ids, copies


@dataclass(slots=True)
class _Disk:
    """The file on disk as re-apply matches against it."""

    store: LineStore
    by_id: dict[str, int]
    copies: Counter[str]


def _write(doc: object, ours: _Ours, disk: LineStore, target: Path) -> Reapplied:
    report = Reapplied()
    ids, copies = _disk_ids(disk)
    by_id: dict[str, int] = {}
    for rid, eid in enumerate(ids):
        by_id.setdefault(eid, rid)
    now = _Disk(disk, by_id, copies)
    replace: dict[int, bytes] = {}
    drop: set[int] = set()
    aside: list[bytes] = []
    for rid, line in ours.changed.items():
        eid, at, verdict = _match(doc, rid, now)
        if verdict == SAME:
            replace[at] = line  # type: ignore[index]
            report.applied += 1
        else:
            _report(report, verdict, eid)
            aside.append(line)
    for rid in ours.deleted:
        eid, at, verdict = _match(doc, rid, now)
        if verdict == SAME:
            drop.add(at)  # type: ignore[arg-type]
            report.deleted += 1
        elif verdict != REMOVED:  # gone on disk too: nothing to tell
            _report(report, verdict, eid)
    after: dict[int | None, list[bytes]] = {}
    for anchor, line in ours.added:
        at = None if anchor is None else by_id.get(doc.loaded_id(anchor),  # type: ignore[attr-defined]
                                                   disk.count - 1)
        after.setdefault(at, []).append(line)
        report.added += 1
    if aside:
        report.conflict_file = conflict_path(target, lines=True)
        write_atomic(report.conflict_file, (one_line(line) + b"\n" for line in aside))
    backup(target)
    order, lines = _order(disk, drop, after)
    write_atomic(target, pieces(disk, order, len(order),
                                lambda rid: lines.get(rid, replace.get(rid))))
    return report


SAME, CHANGED, REMOVED, UNMATCHED, AMBIGUOUS = (
    "same", "changed", "removed", "unmatched", "ambiguous")


def _match(doc: object, rid: int, disk: _Disk) -> tuple[str, int | None, str]:
    """(entry id, its record on disk or None, verdict) for loaded record rid:
    SAME — on disk as we loaded it; CHANGED — found by id, different now;
    REMOVED — its own id is nowhere on disk; UNMATCHED — it has no id and its
    bytes are nowhere on disk (changed or removed: nothing tells which);
    AMBIGUOUS — identical to other lines, and the disk holds another number of
    copies than we loaded, so which copy is which cannot be told."""
    loaded = doc.original(rid)  # type: ignore[attr-defined]
    eid = doc.loaded_id(rid)  # type: ignore[attr-defined]
    base = rv.line_id(loaded)
    if eid == base or eid.startswith(base + "-"):  # known by its bytes alone
        on_disk = disk.copies.get(base, 0)
        if on_disk and on_disk != doc.copies_loaded(base):  # type: ignore[attr-defined]
            return eid, None, AMBIGUOUS
    at = disk.by_id.get(eid)
    if at is None:
        return eid, None, UNMATCHED if eid == base or eid.startswith(base + "-") else REMOVED
    return eid, at, SAME if disk.store.line(at) == loaded else CHANGED


def _report(report: Reapplied, verdict: str, eid: str) -> None:
    {CHANGED: report.changed_on_disk, REMOVED: report.removed_on_disk,
     UNMATCHED: report.unmatched, AMBIGUOUS: report.ambiguous}[verdict].append(eid)


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
