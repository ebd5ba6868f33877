"""Pausing the cyclic GC while many acyclic containers are made.

Its own module, with nothing else imported: the scan's helper process uses it
too, and importing the journal's records there would cost its start-up.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused(pause: bool = True) -> Iterator[None]:
    """Pause the cyclic GC while 100k+ acyclic containers are made (the scan's
    rows, a bulk journal record, the scan cache read back).

    Each batch of new containers otherwise triggers collections that walk
    everything the session holds: measured 2x slower encoding and 5x slower
    reading of a 100k-entry record, ~2x slower reading of a scan cache, young
    collections walking a chunk's rows again and again. A pause already in
    force (an outer one) is left to its owner.
    """
    if not pause or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
