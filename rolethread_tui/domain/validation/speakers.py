"""Speaker labels naming the conversation's character: part of `format-leak`.

A reply that opens a line with ``Mara:`` in a conversation whose system prompt
casts the model as Mara has leaked the transcript format. A capitalised word
and a colon alone proves nothing ("Title:", "Subject:", "Answer:" open real
answers), so the label must be a name the system prompt gives the character.
The names are read from the usual role-play prompt phrasings ("You are Mara",
"Roleplay as ...", "Write Mara's next reply", "Name: ..."); a prompt that names
nobody gives no names, and then nothing is reported.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .content import fenced_spans
from .findings import Finding, finding

#: Lower-case phrases that introduce the character's name (found with ``str.find``
#: in the lower-cased prompt: an IGNORECASE alternation costs ~10x more).
_INTROS = ("you are", "you're", "roleplay as", "role-play as", "play as", "playing as",
           "you will play", "you play", "name:", "character:", "write", "reply only as",
           "respond as", "speak as")
_NAME = re.compile(r"[ \t]+([A-Z][\w'.-]*(?:[ ][A-Z][\w'.-]*){0,2})")
#: Capitalised words those phrasings are followed by that are not a character's name.
_NOT_NAMES = frozenset({"A", "An", "The", "I", "You", "Your", "This", "That", "It", "In",
                        "Only", "Always", "Never", "Now", "Here", "Be", "As", "Not", "No"})
_MAX_NAMES = 6


@lru_cache(maxsize=4096)
def character_names(system: str) -> tuple[str, ...]:
    """The names the system prompt gives the model's character (full name, first word).

    Cached: a batch reuses a handful of prompts, and the key is the prompt's text.
    """
    found: dict[str, None] = {}
    for name in _introduced(system):
        name = name.removesuffix("'s").removesuffix("\u2019s").rstrip(".'-")
        words = name.split()
        while words and words[0] in _NOT_NAMES:
            words.pop(0)
        if not words:
            continue
        found[" ".join(words)] = None
        found[words[0]] = None
        if len(found) >= _MAX_NAMES:
            break
    return tuple(found)


def _introduced(system: str) -> list[str]:
    """The capitalised words right after each intro phrase, in prompt order."""
    lower = system.lower()
    hits: list[tuple[int, str]] = []
    for intro in _INTROS:
        at = lower.find(intro)
        while at >= 0:
            if at == 0 or not lower[at - 1].isalnum():
                match = _NAME.match(system, at + len(intro))
                if match:
                    hits.append((at, match.group(1)))
            at = lower.find(intro, at + 1)
    return [name for _, name in sorted(hits)]


def check_speaker_label(index: int, text: str, names: tuple[str, ...]) -> Finding | None:
    """`format-leak` when a line of the reply opens with ``NAME:`` for a character name.

    Not inside a fenced code block (`content.fenced_spans`): quoted material.
    """
    spans = fenced_spans(text)
    for name in names:
        label = name + ":"
        at = 0 if text.lstrip(" \t").startswith(label) else text.find("\n" + label)
        while at >= 0 and any(a <= at < b for a, b in spans):
            at = text.find("\n" + label, at + 1)
        if at < 0:
            continue
        return finding("format-leak",
                       f"message {index}: speaker label naming the character {label!r}", index)
    return None
