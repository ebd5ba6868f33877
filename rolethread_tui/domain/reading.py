"""An entry as a person reads it: the value types every view renders.

The preview, the reading view, the editor and the sidebar all show the same
things — each message's role (canonical and as written), its provenance, its
text, whether an original was kept — so the rules for reading them live here
once (docs/provenance.md), and views never open a `_review` dict themselves.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import formats
from . import review as rv
from .records import FlaggedRecord, RawLine, json_text
from .validation.structure import json_type


@dataclass(frozen=True, slots=True)
class MessageView:
    """One message: role, provenance and text as shown."""

    index: int
    role: str | None  # canonical role, None when the name does not map
    raw_role: str  # the name as written in the file (text, for display)
    origin: str  # generated | refined | human (this turn)
    text: str  # content parts joined; "" for none
    has_content: bool  # a content field exists (None/missing is "(no content)")
    text_content: bool  # the content is a plain string (parts are joined for display)
    is_object: bool  # the message is a JSON object at all
    original: str | None  # the first generated text, when an edit or fix kept it

    @property
    def label(self) -> str:
        """The role as shown: canonical, with the raw name when it differs."""
        if not self.is_object:
            return "(not an object)"
        if self.role is None:
            return f"{self.raw_role} (unknown role)"
        return self.role if self.raw_role == self.role else f"{self.role} ({self.raw_role})"


@dataclass(frozen=True, slots=True)
class EntryView:
    """One entry: its review state and messages, or the raw text of a broken line."""

    status: str
    origin: str
    flags: tuple[str, ...]
    tags: tuple[str, ...]
    note: str
    fixes: tuple[str, ...]
    messages: Sequence[MessageView]
    raw: str | None  # the line's text when it is not a conversation
    raw_reason: str  # why it is shown raw ("" for a conversation)
    foreign: str  # another tool's metadata (`_rolethread`), as compact JSON, or ""
    edited: tuple[int, ...] = ()  # messages whose original text is kept (diff, revert)
    lossy: str = ""  # what a rewrite of this line would lose ("" for an ordinary line)
    id: str = ""  # the entry's stable id (docs/formats.md)

    @property
    def is_conversation(self) -> bool:
        return self.raw is None


def entry_view(value: object, line: bytes | None = None, eid: str = "") -> EntryView:
    """The view of a parsed entry (`Session.view` gives it by position); `line`:
    the entry's bytes, shown as they are when it is not a conversation."""
    review = rv.review_of(value)
    base: dict[str, Any] = dict(
        status=rv.status_of(review), origin=rv.origin_of(review), flags=rv.flags_of(review),
        tags=rv.tags_of(value, review), note=rv.note_of(review), fixes=_fixes(review),
        foreign=_foreign(value), lossy=lossy_reason(value), id=eid)
    shape = formats.detect_shape(value)
    if shape is None:
        raw = line.decode("utf-8", "replace") if line is not None else _raw_text(value)
        return EntryView(**base, messages=(), raw=raw, raw_reason=raw_reason(value))
    messages = value[formats.conversation_key(shape)]  # type: ignore[index]
    originals = rv.originals_of(review)
    views = Messages(messages, shape, rv.aligned_turns(review, len(messages)), originals)
    return EntryView(**base, messages=views, raw=None, raw_reason="",
                     edited=tuple(sorted(originals)))


class Messages(Sequence[MessageView]):
    """The messages of an entry, each read when a view asks for it: a conversation of
    50k messages opens in the editor without building 50k views first."""

    def __init__(self, messages: list[Any], shape: formats.Shape, turns: list[str],
                 originals: dict[int, Any]) -> None:
        self._messages, self._shape, self._turns, self._originals = (
            messages, shape, turns, originals)
        self._made: dict[int, MessageView] = {}

    def __len__(self) -> int:
        return len(self._messages)

    def __getitem__(self, index):  # type: ignore[no-untyped-def,override]
        if isinstance(index, slice):
            return [self[n] for n in range(*index.indices(len(self)))]
        n = index + len(self) if index < 0 else index
        if not 0 <= n < len(self):
            raise IndexError(index)
        made = self._made.get(n)
        if made is None:
            made = self._made[n] = _message(n, self._messages[n], self._shape,
                                            self._turns[n], self._originals.get(n))
        return made

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


def _message(n: int, message: object, shape: formats.Shape, origin: str,
             original: object) -> MessageView:
    if not isinstance(message, dict):
        return MessageView(n, None, "", origin, json.dumps(message, ensure_ascii=False),
                           True, True, False, None)
    raw = formats.raw_role(message, shape)
    content = formats.raw_content(message, shape)
    return MessageView(
        n, formats.normalise_role(raw), raw if isinstance(raw, str) else json.dumps(raw),
        origin, formats.content_text(content), content is not None,
        isinstance(content, str) or content is None, True,
        None if original is None else formats.content_text(original))


def lossy_reason(value: object) -> str:
    """Why rewriting this line (any edit of its content) would lose something."""
    if not isinstance(value, FlaggedRecord):
        return ""
    parts = []
    if value.duplicate_keys:
        parts.append("it repeats the keys " + ", ".join(value.duplicate_keys)
                     + " (an edit keeps only the last value of each)")
    if value.constants:
        parts.append("it holds " + ", ".join(value.constants) + " (an edit writes null)")
    return "; ".join(parts)


def raw_reason(value: object) -> str:
    """Why an entry is shown and edited as raw text."""
    if isinstance(value, RawLine):
        return f"not valid JSON: {value.error}"
    if not isinstance(value, dict):
        return f"not a JSON object ({json_type(value)})"
    return "no messages / conversations list"


def _raw_text(value: object) -> str:
    return str(value) if isinstance(value, RawLine) else json_text(value)


def _fixes(review: dict[str, Any]) -> tuple[str, ...]:
    fixes = review.get("fixes")
    return tuple(f for f in fixes if isinstance(f, str)) if isinstance(fixes, list) else ()


def _foreign(value: object) -> str:
    meta = value.get("_rolethread") if isinstance(value, dict) else None
    if meta is None:
        return ""
    return json.dumps(meta, ensure_ascii=False, sort_keys=True)
