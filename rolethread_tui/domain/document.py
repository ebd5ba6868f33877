"""The document: entry order, record states and the history — the one place a change lands.

Every op, from any screen or script, becomes a `Change` handed to
`Document.commit`, which refuses it on a read-only session or during a save,
journals it (durably, before it shows), applies it, and records it for undo.
Undo and redo come back through the same door. See docs/architecture.md.

Records are addressed by record id (rid): ids of lines as read are their index
in the file, entries added later get fresh ids above them. The order of rids
is an array only once something was inserted or removed; an id → position
index is rebuilt lazily after such a change, so no hot path searches a list.
"""

from __future__ import annotations

import contextlib
from array import array
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from . import review as rv
from .errors import ReadOnlyError, SaveInProgressError
from .events import Emitter, SessionEvent
from .history import Change, History, Replaced, Reviewed, Splice, State, apply_change, revert_change
from .journal import Journal
from .line_repeats import nth_before, nth_id, repeat_map
from .records import COMPACT, LineStyle, RawLine, detect_style, encode_value, parse_line
from .review_splice import spliced
from .store import LineStore
from .summary import Columns

#: Ids answered while the scan runs, each from the lines before it
#: (`line_repeats.nth_before`, a search of the digest column: ~4 ms at entry
#: 200k). A change stamping more than this many entries (a bulk step before the
#: scan is done) waits for the scan and uses its map; a view never waits.
EARLY_IDS = 64


class Document:
    """Order, states and history of one loaded file."""

    def __init__(self, store: LineStore, columns: Columns, events: Emitter,
                 ensure: Callable[[int], None], wait: Callable[[], None]) -> None:
        """`ensure(i)` waits for the scan to index entry i; `wait()` for all of it."""
        self.store = store
        self.columns = columns
        self.history = History()
        self.journal: Journal | None = None
        self.readonly_reason: str | None = None
        self.version = 0  # moves on every applied or reverted change: caches key on it
        # moves only when some entry's text or the order may have changed: what
        # reads the conversations alone (the slop lens) stays valid across decisions
        self.text_version = 0
        self._events = events
        self._ensure = ensure
        self._wait = wait
        self._states: dict[int, State] = {}
        self._order: array | None = None
        self._pos: array | None = None
        self._next_rid = -1
        self._saving = False
        # review columns of lines as read, and their foreign top-level tags: undo
        # and redo of review-only changes then need no parse (a 100k bulk step)
        self._base_cells: dict[int, tuple] = {}
        self._foreign: dict[int, tuple[str, ...]] = {}
        # identical loaded lines: rid → k of the k-th copy, hash id → copies
        # (`line_repeats`); the scan's exact duplicates once it is done
        self._scan_done = False
        self._repeats: tuple[dict[int, int], dict[str, int]] | None = None
        self._early_ids = 0

    # ----------------------------------------------------------- addressing
    def __len__(self) -> int:
        return len(self._order) if self._order is not None else self.store.count

    def rid(self, i: int) -> int:
        """The record id at position i (stable across inserts and deletes)."""
        if i < 0:
            i += len(self)
        self._ensure(i)
        if not 0 <= i < len(self):
            raise IndexError(f"entry {i} out of range (0..{len(self) - 1})")
        return self._order[i] if self._order is not None else i

    def position(self, rid: int) -> int | None:
        """Where record `rid` is now (None: removed), from the lazily rebuilt index."""
        if self._order is None:
            return rid if 0 <= rid < self.store.count else None
        if self._pos is None:
            pos = array("q", [-1]) * (max(self._order, default=-1) + 1)
            for i, r in enumerate(self._order):
                pos[r] = i
            self._pos = pos
        found = self._pos[rid] if 0 <= rid < len(self._pos) else -1
        return None if found < 0 else found

    def rids(self) -> Sequence[int]:
        return self._order if self._order is not None else range(self.store.count)

    def wait_scanned(self) -> None:
        self._wait()

    def new_rid(self) -> int:
        self._wait()
        rid = max(self._next_rid, len(self.columns))
        self._next_rid = rid + 1
        return rid

    def reserve_rids(self, above: int) -> None:
        """Later new entries get ids above `above` (a replayed journal used them)."""
        self._next_rid = max(self._next_rid, len(self.columns), above + 1)

    # ----------------------------------------------------------- reading
    def value(self, rid: int) -> object:
        """The record as it is now: a fresh parse, never a shared object."""
        state = self._states.get(rid)
        if isinstance(state, Replaced):
            return parse_line(state.line)
        value = parse_line(self.store.line(rid))
        if isinstance(state, Reviewed) and isinstance(value, dict):
            return rv.set_review(value, state.review)
        return value

    def original(self, rid: int) -> bytes:
        """The line as loaded (b"" for an entry added in this session)."""
        return self.store.line(rid) if rid < self.store.count else b""

    def entry_id(self, rid: int) -> str:
        """The entry's stable id (`review.entry_id`; the k-th of identical lines
        `<hash>-<k>`, `line_repeats`). An unedited line that cannot hold an id is
        hashed without a parse: `validate` and `export` ask for many."""
        if rid not in self._states and rid < self.store.count:
            return self.loaded_id(rid)
        return self.id_of(self.value(rid), rid)

    def entry_ids(self, rids: Sequence[int]) -> list[str]:
        """`entry_id` of many records, their lines read in blocks (`store.lines_of`):
        `validate` asks for every entry with a finding, ~40 % of a generated file."""
        states, count = self._states, self.store.count
        lines = self.store.lines_of([r for r in rids if r < count])  # a block at a time
        out = []
        for rid in rids:
            raw = next(lines) if rid < count else b""
            if rid in states or rid >= count:
                out.append(self.id_of(self.value(rid), rid))
            else:
                out.append(self._loaded_id(rid, raw))
        return out

    def id_of(self, value: object, rid: int) -> str:
        """`review.entry_id` of a value of record rid, the k-th identical loaded line's
        hash id made its own (`line_repeats`): what a stamp writes into `_review.id`."""
        raw = self.original(rid)
        return self._nth(rv.entry_id(value, raw), rid, raw)

    def loaded_id(self, rid: int) -> str:
        """The id of record rid's line as loaded (re-apply matches the file on disk by it)."""
        return self._loaded_id(rid, self.original(rid))

    def _loaded_id(self, rid: int, raw: bytes) -> str:
        return self._nth(rv.loaded_id(raw), rid, raw)

    def copies_loaded(self, hash_id: str) -> int:
        """How many loaded lines hold no id and hash to `hash_id` (1 unless repeated)."""
        return self._repeat_map()[1].get(hash_id, 1)

    def repeat_id(self, rid: int, loaded: str) -> str:
        """`loaded` (`review.loaded_id` of rid's line, computed elsewhere) made the k-th
        copy's own id when rid's line is a repeat."""
        if rid >= self.store.count or self._repeat_map()[0].get(rid, 1) <= 1:
            return loaded
        return self._nth(loaded, rid, self.original(rid))

    def scan_done(self, copies: dict[int, int] | None) -> None:
        """The scan has every digest (called from its thread, before it says so):
        find the identical loaded lines now, off the keys. `copies`: rid → first rid
        with the same digest (`dup_links.earlier_copies`), None when the engine's
        answer is by position and the order changed (then it is computed here)."""
        self._scan_done = True
        with contextlib.suppress(OSError):  # a read failing here is asked again later
            self._repeats = self._find_repeats(copies)

    def _find_repeats(self, copies: dict[int, int] | None
                      ) -> tuple[dict[int, int], dict[str, int]]:
        digests, count = self.columns.digest, self.store.count
        if copies is None:
            from .dup_links import earlier_copies

            copies = earlier_copies(enumerate(digests[:count]))
        return repeat_map(self.store, digests, copies, count)

    def _nth(self, eid: str, rid: int, raw: bytes) -> str:
        if rid >= self.store.count:
            return eid
        k = self._rank(rid)
        if k <= 1 or eid != rv.line_id(raw):  # an id of its own, or not a copy
            return eid
        return nth_id(eid, k)

    def _rank(self, rid: int) -> int:
        """Which copy of identical loaded lines rid is (1: the first or the only)."""
        if self._repeats is None and not self._scan_done:
            digests = self.columns.digest
            if rid < len(digests) and self._early_ids <= EARLY_IDS:
                return nth_before(self.store, digests, rid)
        return self._repeat_map()[0].get(rid, 1)

    def _repeat_map(self) -> tuple[dict[int, int], dict[str, int]]:
        if self._repeats is None:
            self._wait()  # the scan finds them as it ends (`scan_done`)
            if self._repeats is None:
                self._repeats = self._find_repeats(None)
        return self._repeats

    def edited_ids(self) -> list[int]:
        """Record ids whose line a save writes anew (reviewed or replaced)."""
        return list(self._states)

    def edited(self, rid: int) -> bool:
        return rid in self._states

    def style(self, rid: int) -> LineStyle:
        if rid < self.store.count:
            return detect_style(self.store.line(rid))
        state = self._states.get(rid)
        return detect_style(state.line) if isinstance(state, Replaced) else COMPACT

    def state(self, rid: int) -> State:
        return self._states.get(rid)

    def object(self, rid: int, i: int) -> dict[str, Any]:
        """The record as a dict, or an OpError saying why it cannot take an op."""
        from .ops import OpError

        value = self.value(rid)
        if isinstance(value, RawLine):
            raise OpError(f"entry {i + 1} is not valid JSON ({value.error}): edit or delete it")
        if not isinstance(value, dict):
            raise OpError(f"entry {i + 1} is not a JSON object")
        return value

    def save_line(self, rid: int) -> bytes | None:
        """The line to write for rid, or None when the loaded bytes stand."""
        state = self._states.get(rid)
        if state is None:
            return None
        if isinstance(state, Replaced):
            return state.line
        original = self.store.line(rid)
        value, style = parse_line(original), detect_style(original)
        if isinstance(value, dict):  # only `_review` changed: only its bytes do
            kept = spliced(original, value, state.review, style)
            if kept is not None:
                return kept
        return encode_value(rv.set_review(value, state.review), style)

    def line_bytes(self, i: int) -> bytes:
        """Entry i's current line as it would be saved (no line ending)."""
        rid = self.rid(i)
        return self.save_line(rid) or self.store.line(rid)

    def lines(self, start: int, stop: int) -> list[bytes]:
        """Current lines of positions [start, stop): one read for untouched runs."""
        rids, store, states = self.rids(), self.store, self._states
        out: list[bytes] = []
        i = start
        while i < stop:
            j = i
            while (j < stop and rids[j] < store.count and rids[j] not in states
                   and (j == i or rids[j] == rids[j - 1] + 1)):
                j += 1
            if j == i:  # an edited or new entry
                out.append(self.line_bytes(i))
                i += 1
                continue
            base = store.starts[rids[i]]
            data = store.read_range(base, store.ends[rids[j - 1]])
            out.extend(data[store.starts[r] - base:store.ends[r] - base] for r in rids[i:j])
            i = j
        return out

    def stamp(self, review: dict[str, Any], value: object, rid: int,
              reviewer: str) -> dict[str, Any]:
        """The review with id, reviewer and time: every change says who and when."""
        if "id" in review:
            eid = review["id"]
        else:
            self._early_ids += 1  # one change stamping many waits for the scan (EARLY_IDS)
            eid = self.id_of(value, rid)
        return rv.stamped(review, eid, reviewer, rv.now_stamp())

    def remember_foreign(self, rid: int, value: object) -> None:
        """Keep a record's own top-level tags, read by an op that parsed it anyway:
        applying its review change then needs no second parse."""
        if rid < self.store.count and not isinstance(self._states.get(rid), Replaced):
            self._foreign.setdefault(rid, rv.foreign_tags(value))

    # ----------------------------------------------------------- changing
    @property
    def dirty(self) -> bool:
        return self.history.dirty

    def check_writable(self) -> None:
        """Raise when no change may land now (read-only session, save running)."""
        if self.readonly_reason is not None:
            raise ReadOnlyError(self.readonly_reason)
        self.check_not_saving()

    def check_not_saving(self) -> None:
        if self._saving:
            raise SaveInProgressError("a save is writing the file: try again when it is done")

    @contextlib.contextmanager
    def saving(self) -> Iterator[None]:
        """While the file is written, every change is refused (it would be lost)."""
        self._saving = True
        try:
            yield
        finally:
            self._saving = False

    def commit(self, change: Change, positions: Sequence[int] | None) -> bool:
        """Journal, apply and record one change; False when it changes nothing."""
        self._early_ids = 0
        if not change.states and not change.splices:
            return False
        self.check_writable()
        if self.journal is not None:
            self.journal.append_change(change)  # durable before it shows as done
        apply_change(self, change)
        self.history.push(change)
        self._events.emit(SessionEvent(
            "change", change.label,
            None if change.structural or positions is None else tuple(positions),
            change.focus,
        ))
        return True

    def undo(self) -> Change | None:
        """Revert the last change (journaled first); the change, or None."""
        if not self.history.can_undo:
            return None
        self.check_writable()
        if self.journal is not None:
            self.journal.append_undo()
        change = self.history.pop_undo()
        assert change is not None
        revert_change(self, change)
        self._emit_history("undo", change)
        return change

    def redo(self) -> Change | None:
        if not self.history.can_redo:
            return None
        self.check_writable()
        if self.journal is not None:
            self.journal.append_redo()
        change = self.history.pop_redo()
        assert change is not None
        apply_change(self, change)
        self._emit_history("redo", change)
        return change

    def _emit_history(self, verb: str, change: Change) -> None:
        positions = None
        if not change.structural:
            found = map(self.position, change.states)
            positions = tuple(p for p in found if p is not None)
        focus = change.focus if change.structural else (positions[0] if positions else None)
        if verb == "undo" and change.splices and not change.states:
            focus = _restored(change, focus)
        self._events.emit(SessionEvent("change", f"{verb} {change.label}", positions, focus))

    # the journal's replay target: steps already journaled, applied without a new record
    def replay_change(self, change: Change) -> None:
        apply_change(self, change)
        self.history.push(change)

    def replay_undo(self) -> None:
        change = self.history.pop_undo()
        if change is not None:
            revert_change(self, change)

    def replay_redo(self) -> None:
        change = self.history.pop_redo()
        if change is not None:
            apply_change(self, change)

    def replay_saved(self) -> None:
        self.history.mark_saved()

    # ----------------------------------------------------------- history.Target
    def _set_state(self, rid: int, state: State) -> None:
        self.version += 1
        old = self._states.get(rid)
        if state is None:
            self._states.pop(rid, None)
        else:
            self._states[rid] = state
        if rid >= self.store.count and state is None:
            return  # a removed new entry: no longer in the order, nothing to show
        review_only = not isinstance(old, Replaced) and not isinstance(state, Replaced)
        if not review_only:
            self.text_version += 1
        if review_only and rid < len(self.columns):
            self._set_review_cells(rid, old, state)
        else:
            self.columns.set(rid, self.columns.compute(self.value(rid)))

    def says_as_loaded(self, rid: int, review: dict[str, Any]) -> bool:
        """Whether `review` says what the loaded line's own review says (`rv.same_review`):
        the line can then stay as written. Checked against the review cells first, so a
        bulk accept of 100k entries parses no line for it."""
        if rid >= self.store.count:
            return False
        cells = self._base_cells.get(rid)
        if cells is None and rid not in self._states:
            cells = self.columns.review_cells(rid)  # the loaded line's, unchanged so far
        if cells is not None and cells[:3] != (
                rv.STATUSES.index(rv.status_of(review)), rv.ORIGINS.index(rv.origin_of(review)),
                rv.flags_of(review)):
            return False
        line = self.store.line(rid)
        loaded = rv.review_of(parse_line(line)) if b'"_review"' in line else {}
        return rv.same_review(review, loaded)  # most generated lines hold no review: no parse

    def reads_as_loaded(self, rid: int, record: dict[str, Any]) -> bool:
        """Whether `record` is the loaded line's record, its review saying the same
        (`rv.same_review`): an edit reverted, a fix taken back by hand. The line can
        then stay as written. Parses the line: for one entry's content op only."""
        if rid >= self.store.count:
            return False
        loaded = parse_line(self.store.line(rid))
        if not isinstance(loaded, dict):
            return False
        bare = {k: v for k, v in record.items() if k != rv.REVIEW_KEY}
        if bare != {k: v for k, v in loaded.items() if k != rv.REVIEW_KEY}:
            return False
        return rv.same_review(rv.review_of(record), rv.review_of(loaded))

    def _set_review_cells(self, rid: int, old: State, state: State) -> None:
        """Review columns without a parse when the line's own cells are known."""
        columns = self.columns
        if old is None:
            self._base_cells.setdefault(rid, columns.review_cells(rid))
        if state is None:
            cells = self._base_cells.get(rid)
            if cells is None:  # reviewed after a content change: read the line again
                columns.set(rid, columns.compute(self.value(rid)))
            else:
                columns.put_review_cells(rid, cells)
            return
        foreign = self._foreign.get(rid)
        if foreign is None:
            foreign = self._foreign[rid] = rv.foreign_tags(parse_line(self.store.line(rid)))
        columns.set_review(rid, state.review or {}, foreign)

    def _splice(self, splice: Splice) -> None:
        self.version += 1
        self.text_version += 1
        if self._order is None:
            self._order = array("q", range(self.store.count))
        self._order = splice.apply(self._order)
        if len(self._order) == self.store.count and self._order == array(
                "q", range(self.store.count)):
            self._order = None  # the file's own order again (an undo): its fast paths too
        self._pos = None


def _restored(change: Change, focus: int | None) -> int | None:
    """Where an undone delete leaves the view: on the first entry it brings back. The
    delete's own focus is the entry that took its place, or the new last one, which
    after undoing the delete of the last entry was the one before it."""
    back = [pairs[0][0] for splice in change.splices
            if not splice.insert and (pairs := splice.pairs)]
    return min(back) if back else focus
