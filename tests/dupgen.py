"""A small file whose duplicate groups are interleaved, for `order:group` tests."""

from __future__ import annotations

from .conftest import chat

TOPICS = {
    "a": ("How do I keep sourdough starter alive over a long holiday?",
          "Feed it, let it rise for an hour, then refrigerate it in a sealed jar; "
          "it keeps two or three weeks and recovers after two feedings."),
    "b": ("Which knot should I use to tie a boat to a cleat on the dock?",
          "Use a cleat hitch: one full turn around the base, a figure eight over the "
          "horns, then a locking underhand loop pulled snug."),
    "c": ("Why does the moon look larger near the horizon than overhead?",
          "It is the moon illusion: the angular size is the same, but the brain "
          "judges a horizon object as farther away and so as bigger."),
    "x": ("What is a good name for a grey kitten with white paws?", "Try Socks or Ash."),
    "y": ("Translate 'good morning' into Portuguese, please.", "Bom dia."),
}


def entry(key: str, variant: str = "") -> dict:
    """A conversation on one topic; `variant` changes a word for a near-duplicate."""
    question, answer = TOPICS[key]
    return chat(("user", question), ("assistant", answer + variant))


#: Three groups interleaved with each other and with two entries in no group:
#: positions 0 3 6 (a: two exact copies and a near one), 1 4 (b), 2 7 (c), 5 8 alone.
KEYS = ["a", "b", "c", "a", "b", "x", "a", "c", "y"]
GROUPED = [0, 3, 6, 1, 4, 2, 7]


def interleaved() -> list[dict]:
    """The entries of `KEYS`, the last `a` reworded by one word (a near-duplicate)."""
    out = [entry(k) for k in KEYS]
    out[6] = entry("a", " Really.")
    return out
