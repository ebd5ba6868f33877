"""The `~` ranking over many lines: each line's ranked text, scored in batches.

A fuzzy-only query (no words or phrases to match) spent about half of its time
per entry outside rapidfuzz, a quarter of it on the (role, text) pairs of
`formats.turns`, the scope and the join (docs/query.md, "How it runs"). Here
the ranked text is read straight from the parsed message list (`ScopedText`),
without the pairs, and the texts are scored a batch at a time
(`Query.score_texts`). Each text equals `Query.ranked_text(turns(value))`:
a message list in any other form takes that path itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import orjson

from ..formats import ROLE_ALIASES, normalise_role
from ..formats import turns as turns_of
from .terms import ALL_ROLES

if TYPE_CHECKING:
    from .evaluate import Candidate
    from .query import Query

#: Texts scored per rapidfuzz call: enough to amortise the call, few enough that
#: the batch (text and processed copy, ~3 KB per entry) stays a few MB.
SCORE_BATCH = 1024
#: Role names remembered per query: a file of character names cannot grow it unbounded.
_ROLES_KEPT = 4096

#: ``(line, valid)`` -> the text ``~`` scores for it, None when it does not match the text terms.
TextOf = Callable[[bytes, "bool | None"], "str | None"]


class ScopedText:
    """A query's scope applied to a parsed record's message list, no pairs built.

    ``text(value)`` is ``"\\n".join`` of the scoped messages' texts, as
    ``Query.ranked_text(turns(value))`` gives it, for a dict whose messages
    all have a string role and a string text under the shape's first keys (the
    case `formats.turns` takes its fast path for); None for any other message,
    and the caller takes `formats.turns`. The scope is decided once per role
    name and remembered.
    """

    __slots__ = ("_keep", "_scope")

    def __init__(self, scope: frozenset[str | None]) -> None:
        self._scope = None if scope >= ALL_ROLES else scope
        self._keep: dict[str, bool] = {}

    def text(self, value: dict[str, Any]) -> str | None:
        messages = value.get("messages")
        if type(messages) is list:
            role_key, text_key = "role", "content"
        else:
            messages = value.get("conversations")
            if type(messages) is not list:
                return ""  # no conversation: no turns (`formats.detect_shape`)
            role_key, text_key = "from", "value"
        keep, parts = self._keep, []
        try:  # a message that is no dict, or lacks a key, raises: the caller takes turns()
            for message in messages:
                role, text = message[role_key], message[text_key]
                if type(role) is not str or type(text) is not str:
                    return None
                try:
                    kept = keep[role]
                except KeyError:
                    kept = self._learn(role)
                if kept:
                    parts.append(text)
        except (KeyError, TypeError):
            return None
        return "\n".join(parts)

    def _learn(self, role: str) -> bool:
        """Whether a role name is in scope, mapped as `formats.turns` maps it."""
        scope = self._scope
        kept = scope is None or (ROLE_ALIASES.get(role) or normalise_role(role)) in scope
        if len(self._keep) < _ROLES_KEPT:
            self._keep[role] = kept
        return kept


def text_reader(query: Query, matched: TextOf) -> TextOf:
    """``read(line, valid)``: the text ``~`` scores for a line, None when the line
    does not match the text terms; ``matched`` is the general reader.

    Without text terms every line matches: a line that parses to a dict takes
    `ScopedText`, the rest what ``matched`` does with them (`evaluate._matched`).
    """
    if query.needs_text:
        return matched
    scoped = ScopedText(query.scope)
    loads, JSONDecodeError = orjson.loads, orjson.JSONDecodeError

    def read(line: bytes, valid: bool | None) -> str | None:
        if valid is not False:
            try:
                value = loads(line)
            except JSONDecodeError:
                return matched(line, valid)
            if type(value) is dict:
                text = scoped.text(value)
                return query.ranked_text(turns_of(value)) if text is None else text
        return matched(line, valid)

    return read


def rank_lines(query: Query, todo: Iterable[Candidate], matched: TextOf,
               prefilter: Callable[[bytes], bool] | None) -> list[tuple[int, float]]:
    """(position, score) of the matching lines, their texts scored a batch at a time."""
    read = text_reader(query, matched)
    out: list[tuple[int, float]] = []
    found: list[int] = []
    texts: list[str] = []
    for i, line, valid in todo:
        if prefilter is not None and not prefilter(line.lower()):
            continue
        text = read(line, valid)
        if text is not None:
            found.append(i)
            texts.append(text)
            if len(texts) == SCORE_BATCH:
                out.extend(zip(found, query.score_texts(texts), strict=True))
                found, texts = [], []
    out.extend(zip(found, query.score_texts(texts), strict=True))
    return out
