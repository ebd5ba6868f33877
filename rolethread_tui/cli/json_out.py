"""`--json` documents written piece by piece, byte for byte what one `orjson.dumps`
with ``OPT_INDENT_2`` writes.

A document of 100k entries (`slop --json`, `validate --json`) built whole holds
every entry's dict and then the whole encoded text at once: ~95 MB more at the
peak of a 100k `slop --json`, ~10x that at a million entries. Here a field whose
value is an `Items` is encoded `BATCH` items at a time and written as it goes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import IO, Any

import orjson

BATCH = 2000
_INDENT = orjson.OPT_INDENT_2


class Items:
    """A list field's items, made as they are written (``make`` of each of ``keys``)."""

    def __init__(self, keys: Iterable[Any], make: Callable[[Any], Any]) -> None:
        self.keys, self.make = keys, make

    def batches(self) -> Iterator[list[Any]]:
        keys = iter(self.keys)
        while batch := [self.make(k) for k in islice(keys, BATCH)]:
            yield batch


def write_document(out: IO[bytes], doc: dict[str, Any]) -> None:
    """Write `doc` (an object whose values may be `Items`) and a final line break."""
    out.write(b"{")
    for n, (key, value) in enumerate(doc.items()):
        out.write(b"," if n else b"")
        out.write(b"\n  " + orjson.dumps(key) + b": ")
        if isinstance(value, Items):
            _write_items(out, value)
        else:  # nested one level deeper than a document of its own
            out.write(orjson.dumps(value, option=_INDENT).replace(b"\n", b"\n  "))
    out.write(b"\n}\n" if doc else b"}\n")


def _write_items(out: IO[bytes], items: Items) -> None:
    """The list `[item, ...]` at depth 1: each batch encoded as a list of its own,
    its brackets cut off, its lines indented one level more. JSON strings hold no
    raw line break (orjson writes ``\\n``), so every line break is layout."""
    wrote = False
    for batch in items.batches():
        inner = orjson.dumps(batch, option=_INDENT)[2:-2]  # "[\n" ... "\n]"
        out.write(b",\n  " if wrote else b"[\n  ")
        out.write(inner.replace(b"\n", b"\n  "))
        wrote = True
    out.write(b"\n  ]" if wrote else b"[]")
