"""What the slop lens reads of an entry: its assistant turns, as words and hashed n-grams.

Everything here runs for every entry of a file (100k entries in a few seconds,
README.md (Performance)), so the work is done by C-level calls: ``bytes.translate`` to lower-case
ASCII and blank punctuation, ``split`` for words, and ``map``/``zip`` for n-gram
hashes (a 4-gram is hashed as the tuple of its words).

Non-ASCII letters are kept as they are (not case-folded): the lens looks for
repeats, and a batch repeats itself with the same spelling.
"""

from __future__ import annotations

from itertools import compress
from typing import Final

import orjson

from .. import formats
from ..dedupe_text import _table

GRAM: Final = 4  # words per hashed n-gram; longer phrases are chains of these

#: A token no text produces: it stands where a sentence, a turn or an action ends,
#: so that no counted 4-gram runs across one ("...so difficult. The" is not a phrase).
BREAK = b"\x00"
_BREAKS = b'.!?;:*"()[]{}\n\x00'


def _word_table() -> bytes:
    """ASCII letters lower-cased, digits and ' kept, sentence ends -> BREAK, other ASCII blank."""
    table = bytearray(_table(b"'"))
    for code in _BREAKS:
        table[code] = BREAK[0]
    return bytes(table)


_TABLE = _word_table()
# Non-ASCII punctuation common in generated prose: blanked, made a BREAK or an ASCII
# apostrophe before the table runs, so "knees—then" is two words. `str.replace`, one
# character after the other, before encoding: a replace finds nothing in O(1) when
# the text's widest character is narrower, and does one C scan otherwise — a third
# of one regex pass over the UTF-8 calling back into Python for every match. Each
# old text is one character and each new one ASCII, so replacing one after the
# other is the same as all at once.
_SWAPS = (
    ("\u2019", "'"), ("\u2018", "'"), ("\u2014", " "), ("\u2013", " "), ("\u2026", " "),
    ("\u201c", "\x00"), ("\u201d", "\x00"), ("\u00a0", " "), ("\u00ab", " "),
    ("\u00bb", " "),
)
_BOM = b"\xef\xbb\xbf"
_SPACED_BREAK = b" " + BREAK + b" "


def record_of(line: bytes) -> object:
    """The parsed line, or None when it is not JSON (such a line has no assistant text)."""
    try:
        return orjson.loads(line.removeprefix(_BOM))
    except orjson.JSONDecodeError:
        return None


def assistant_replies(record: object) -> list[str]:
    """The texts of the assistant turns, in order (roles read through `formats`).

    The common record — a ChatML list of messages with string roles and contents —
    is read here without building every turn; anything else goes through
    `formats.turns`, whose answer this is in every case.
    """
    if type(record) is dict:
        messages = record.get("messages")
        if type(messages) is list:
            out = []
            for message in messages:
                if type(message) is dict:
                    role, content = message.get("role"), message.get("content")
                    if type(role) is str and type(content) is str:
                        if content and (_ALIASES.get(role) or formats.normalise_role(role)
                                        ) == "assistant":
                            out.append(content)
                        continue
                return _replies_of_turns(record)
            return out
    return _replies_of_turns(record)


def _replies_of_turns(record: object) -> list[str]:
    return [text for role, text in formats.turns(record) if role == "assistant" and text]


_ALIASES = formats.ROLE_ALIASES


def words(text: str) -> list[bytes]:
    """The words of a text: ASCII lower-cased, apostrophes kept, other punctuation
    dropped; a `BREAK` token where a sentence, an action or a quotation ends."""
    return split_words(plain(text))


def split_words(raw: bytes) -> list[bytes]:
    """The words of `plain` bytes, with a `BREAK` token for each BREAK byte."""
    return raw.replace(BREAK, _SPACED_BREAK).split()


def plain(text: str) -> bytes:
    """The text as `words` reads it before splitting: lower-cased ASCII bytes, a
    blank for other punctuation and a `BREAK` byte where a sentence ends."""
    if not text.isascii():
        for old, new in _SWAPS:
            text = text.replace(old, new)
    return text.encode("utf-8", "surrogatepass").translate(_TABLE)


def sentences_of(raw: bytes) -> list[bytes]:
    """The parts of `plain` bytes between BREAKs, as keys: no counted 4-gram crosses
    a BREAK, so a text's 4-grams are its parts' (`slop.sentences`, `slop.lexicon`).

    Runs of breaks make empty parts, which go. A blank beside a break stays: the
    same words with and without it are two keys of the same facts, which costs a
    few more distinct parts than stripping blanks (two more passes over every
    text, ~9 of ~33 µs an entry on datagen) would save.
    """
    return list(filter(None, raw.split(BREAK)))


def gram_hashes(tokens: list[bytes]) -> list[int]:
    """The hash of every run of ``GRAM`` consecutive words, in text order.

    Python's own hash of a tuple of the words: one C call per 4-gram, and each
    word's hash is computed once and kept by the bytes object. It differs between
    processes (hash randomisation), so hashes never leave the process: a `Lexicon`
    travels as text and is hashed where it is used.
    """
    return list(map(hash, zip(tokens, tokens[1:], tokens[2:], tokens[3:], strict=False)))


def positions_in(hashes: list[int], wanted: dict[int, int] | frozenset[int]) -> list[int]:
    """Offsets of the hashes that are in ``wanted`` (C-level filter)."""
    return list(compress(range(len(hashes)), map(wanted.__contains__, hashes)))
