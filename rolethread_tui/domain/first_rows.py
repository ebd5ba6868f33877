"""The first chunk's rows from the helper process, for the app's start (issue #18).

The app opens the file before it loads Textual, so the helper process starts
~0.3 s before the first frame is built. Given the whole first chunk, it compiles
the checks (~0.2 s of an interpreter) and computes the first rows on the other
core while this process loads Textual and lays out the screen; computed here, the
checks took this process's interpreter from the UI thread just as it built the
first frame, and the first rows came a frame later. The scan thread compiles its
own checks with its share of the next chunk, after the first rows are drawn (the
app holds the scan until then). docs/architecture.md, "Start-up".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .scan import Helper, rows_of, share
from .summary import pack_columns, rows_as_columns, unpack_columns


def first_by_helper(base: int, view: memoryview, spans: list[tuple[int, int]],
                    helper: Helper, compute: Callable[[object], tuple],
                    meanwhile: Callable[[], None]) -> list[Any]:
    """Summary columns of the first chunk (`spans` of `view`; its first line starts
    at file offset `base`), computed by the helper, or here when it fails;
    `meanwhile` runs here while the helper computes."""
    first = spans[0][0]
    _nothing, (packed, _seconds), _ok = share(
        helper, lambda: ("rows", base, [(s - first, e - first) for s, e in spans]),
        meanwhile,
        lambda: (pack_columns(rows_as_columns(rows_of(compute, view, spans))), 0.0))
    return unpack_columns(packed)
