"""Entry ids of many entries at once: what `validate` prints beside each finding.

An unedited entry's id is read from its line (`review.loaded_id`: a hash of the
line, or the id it holds), ~10 µs each; `validate` asks for every entry with a
finding, ~40 % of a generated file. The helper process the scan kept reads half
of those lines itself and answers their ids (`scan.serve`, request ``ids``).
"""

from __future__ import annotations

from .document import Document
from .scan import Helper, share

#: Ids worth sharing with the helper (a request and its answer cost ~1 ms).
HELPER_IDS = 2000


def entry_ids(doc: Document, helper: Helper | None, rids: list[int]) -> list[str]:
    """`Document.entry_ids`; for a long list, the unedited lines of its second half
    in `helper` when it runs (none is started for this)."""
    if helper is None or not helper.active or len(rids) < HELPER_IDS:
        return doc.entry_ids(rids)
    half, store = len(rids) // 2, doc.store
    theirs = rids[half:]
    loaded = [r for r in theirs if r < store.count and not doc.edited(r)]
    mine, answer, ok = share(
        helper, lambda: ("ids", [store.starts[r] for r in loaded],
                         [store.ends[r] for r in loaded]),
        lambda: doc.entry_ids(rids[:half]), lambda: doc.entry_ids(theirs))
    if not ok:
        return mine + answer
    # the helper hashes lines alone: the k-th of identical lines gets its own id here
    got = {r: doc.repeat_id(r, eid) for r, eid in zip(loaded, answer, strict=True)}
    rest = iter(doc.entry_ids([r for r in theirs if r not in got]))
    return mine + [got[r] if r in got else next(rest) for r in theirs]
