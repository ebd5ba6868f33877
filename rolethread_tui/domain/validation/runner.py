"""Entry points: validate one raw line or one parsed value.

`check_value` runs for every entry in the background scan, so it is built for
the clean entry, where nothing is found and nothing should be paid for:

- one Python pass over the messages reads each role and text (a dict lookup
  decides whether a role needs a finding);
- emptiness, edge whitespace and reply length are tested for all texts at once
  with C-level ``map``/``all``/``min`` (``str.strip`` returns the very same string
  when there is nothing to strip);
- hidden characters and the refusal / format-leak patterns are looked for in
  all replies, and all other turns, joined into one string each (see `hidden`
  and `scanner`).

Only when one of these says "something here" are single messages checked by
the small functions of `structure`, `roles`, `content` and `hidden`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..formats import (
    CHATML_ROLE_KEYS,
    CHATML_TEXT_KEYS,
    SHAREGPT_ROLE_KEYS,
    SHAREGPT_TEXT_KEYS,
    Shape,
    role_key,
    text_key,
)
from ..records import RawLine, parse_line
from . import content, roles, structure
from .context import Context, resolve
from .findings import SEVERITY_RANK, Finding
from .hidden import SURROGATE_RE, check_hidden, maybe_hidden
from .scanner import Scanner
from .speakers import character_names, check_speaker_label
from .tags import check_tags

if TYPE_CHECKING:
    from .config import ValidationConfig

_BOM = b"\xef\xbb\xbf"
_WHAT = {"refusal": "AI refusal / meta-language", "format-leak": "formatting leak",
         "markdown": "Markdown / code"}
_CHATML_ROLE = CHATML_ROLE_KEYS[0]
_CHATML_TEXT = CHATML_TEXT_KEYS[0]
_SHAREGPT_KEYS = (SHAREGPT_ROLE_KEYS[0], SHAREGPT_TEXT_KEYS[0])
_MISSING = object()


def check_line(raw: bytes, config: ValidationConfig | Context | None = None) -> list[Finding]:
    """Findings for a raw line, typically one that failed to parse.

    It is parsed as the store parses it (`records.parse_line`: orjson, then the
    stdlib for NaN or huge integers), so both agree on what is invalid; a line
    that does not parse gets `invalid-json` with a short reason (the position,
    or "invalid UTF-8 at byte N"). A blank line is not an entry: no findings.
    """
    data = raw.removeprefix(_BOM).strip()
    return check_value(parse_line(data), config) if data else []


def check_value(value: object, config: ValidationConfig | Context | None = None) -> list[Finding]:
    """Findings for a parsed line: `not-an-object` for a non-dict, every check for a record.

    A `records.RawLine` (a line the store could not parse) gets `invalid-json`.
    Findings come ordered by message (entry-level ones first), then severity.
    """
    return check_and_read(value, resolve(config))[0]


#: One conversation as `formats.turns` reads it: (canonical role or None, text).
Turns = list[tuple[str | None, str]]
_CANONICAL = {"s": "system", "u": "user", "a": "assistant"}


def check_and_read(value: object, ctx: Context) -> tuple[list[Finding], Turns | None]:
    """`check_value`, plus the entry's `formats.turns` when the pass read them anyway.

    The scan needs both (`summary.Columns.compute`); when every message is an
    object with a role spelt as its shape accepts and text content, the check's
    own pass has read exactly what `formats.turns` would, so a second pass over
    the messages is saved. None otherwise: the caller reads them itself.
    """
    if isinstance(value, RawLine):
        return [structure.check_invalid_json(value.error)], None
    if not isinstance(value, dict):
        return [structure.check_not_object(value)], None  # type: ignore[list-item]
    return _check_dict(value, ctx)


#: The name the session imports for its background scan (the same function).
check_record = check_value


def make_checker(config: object = None) -> Callable[[object], list[Finding]]:
    """A one-argument checker for the session scan, with its config compiled once.

    `config` may be None, a `ValidationConfig`, or an app config object holding
    one — or a dict or pydantic model with its fields — in a ``validation``
    attribute. Anything else means the defaults.
    """
    settings = as_validation_config(config)
    compiled: list[Context] = []

    def checker(value: object) -> list[Finding]:
        return with_turns(value)[0]

    def with_turns(value: object) -> tuple[list[Finding], Turns | None]:
        # Compiled on first use — in the scan thread, not on the way to the first screen.
        if not compiled:
            compiled.append(resolve(settings))
        return check_and_read(value, compiled[0])

    checker.with_turns = with_turns  # type: ignore[attr-defined]  # see check_and_read
    return checker


def as_validation_config(config: object) -> ValidationConfig | Context | None:
    """Find the validation settings in whatever configuration object is at hand."""
    value = getattr(config, "validation", config)
    if value is None or isinstance(value, Context):
        return value
    from .config import ValidationConfig  # pydantic: only when settings were given

    if isinstance(value, ValidationConfig):
        return value
    if hasattr(value, "model_dump"):
        value = value.model_dump()
    if isinstance(value, dict):
        known = {k: v for k, v in value.items() if k in ValidationConfig.model_fields}
        return ValidationConfig(**known)
    return None


def check_dict(record: dict[str, Any], ctx: Context) -> list[Finding]:
    """Every check of docs/validation.md that applies to one record."""
    return _check_dict(record, ctx)[0]


def _check_dict(record: dict[str, Any], ctx: Context) -> tuple[list[Finding], Turns | None]:
    out: list[Finding] = []
    # `formats.detect_shape` and `conversation_key`, inlined: once per entry
    messages = record.get("messages")
    if isinstance(messages, list):
        shape: Shape | None = "chatml"
    else:
        messages = record.get("conversations")
        shape = "sharegpt" if isinstance(messages, list) else None
        messages = messages if shape else None
    turns = None
    if messages:
        codes, texts = check_conversation(messages, shape, ctx, out)  # type: ignore[arg-type]
        if texts is not None:  # one text per role code, by construction: no strict=,
            # which makes zip a keyword call (~0.3 µs more per entry in 3.11)
            turns = list(zip(_roles_of(codes), texts))  # noqa: B905
    else:
        out.append(structure.check_no_messages(record, shape))  # type: ignore[arg-type]
    if "_review" in record or "tags" in record:
        out.extend(check_tags(record))
    if type(record) is not dict:  # a records.FlaggedRecord: the line loses data on an edit
        out.extend(structure.check_lossy_json(record))
    if len(out) > 1:
        out.sort(key=_order)
    return out, turns


@lru_cache(maxsize=4096)
def _roles_of(code: str) -> tuple[str, ...]:
    """The canonical role of each message of a role code of "s", "u" and "a" only.

    Kept per code, like `_order_findings` (whose lookup has already hashed the
    code): zipping a kept tuple is ~0.25 µs an entry cheaper than mapping the
    code's characters each time.
    """
    return tuple(map(_CANONICAL.__getitem__, code))


def _order(f: Finding) -> tuple[int, int]:
    return (-1 if f.message is None else f.message, SEVERITY_RANK[f.severity])


# --------------------------------------------------------------------------- the pass


def _read(message: object, shape: Shape) -> tuple[object, object]:
    """(role value, content value) of a message; `_MISSING` where absent."""
    if not isinstance(message, dict):
        return _MISSING, _MISSING
    rkey, tkey = role_key(message, shape), text_key(message, shape)
    return (message[rkey] if rkey else _MISSING), (message[tkey] if tkey else _MISSING)


def _text(value: object) -> str | None:
    """The text of a content value, or None when it is missing or not text."""
    return None if value is _MISSING else structure.content_text_or_error(value)[0]


def check_conversation(messages: list[Any], shape: Shape, ctx: Context,
                       out: list[Finding]) -> tuple[str, list[str] | None]:
    """All message, role-order and text checks of one conversation, appended to `out`.

    Returns the role code and, when every message had an accepted role and
    text, the texts in order (see `check_and_read`).
    """
    read = _read_plain(messages, shape)
    if read is None:
        read = _read_messages(messages, shape, out)
    code_list, texts, reply_at, replies, other_at, others, system = read
    code = "".join(code_list)
    check_order(code, ctx, out)
    plain = texts is not None and _plain_texts(texts, replies, ctx.short_response)
    if others:
        if not plain:
            other_at = _positions(code, "a", False) if other_at is None else other_at
            other_at, others = _check_texts(other_at, others, messages, shape, 0, out)
        if others and maybe_hidden("\n".join(others)):
            other_at = _positions(code, "a", False) if other_at is None else other_at
            _check_hidden(other_at, others, out)
    if replies:
        if not plain:
            reply_at = _positions(code, "a", True) if reply_at is None else reply_at
            reply_at, replies = _check_texts(reply_at, replies, messages, shape,
                                             ctx.short_response, out)
        if replies:
            joined = _scan_replies(reply_at, replies, ctx.scanner, out, code)
            if system and ":" in joined:
                reply_at = _positions(code, "a", True) if reply_at is None else reply_at
                _check_speakers(reply_at, replies, joined, system, out)
    return code, texts


#: What a pass over the messages reads: role codes, all texts (None unless every
#: message had an accepted role and text), the replies and the other turns with
#: their message indexes (None: the positions of "a", or of the rest, in the
#: code), and the first system text.
_Read = tuple[list[str], "list[str] | None", "list[int] | None", list[str],
              "list[int] | None", list[str], "str | None"]


def _read_plain(messages: list[Any], shape: Shape) -> _Read | None:
    """The usual conversation read fast, or None for anything else (`_read_messages`).

    Usual: every message an object with a string role the shape accepts as is,
    under the shape's first role key, and string text under its first text key.
    Then every message is a turn, so no index lists are kept (`_positions`
    finds them from the code, which only a finding needs). Subscripts that may
    raise cost less than ``.get`` calls and the tests of the general loop; this
    runs for every message of every entry.
    """
    accepted = roles.ACCEPTED[shape]
    rkey, tkey = (_CHATML_ROLE, _CHATML_TEXT) if shape == "chatml" else _SHAREGPT_KEYS
    codes: list[str] = []
    texts: list[str] = []
    replies: list[str] = []
    others: list[str] = []
    try:
        for message in messages:
            name = message[rkey]
            text = message[tkey]
            if type(text) is not str or type(name) is not str or type(message) is not dict:
                return None
            code = accepted[name]
            codes.append(code)
            texts.append(text)
            if code == "a":
                replies.append(text)
            else:
                others.append(text)
    except (KeyError, TypeError, IndexError):  # not a dict, a key missing, an odd role
        return None
    at = codes.index("s") if "s" in codes else -1
    return codes, texts, None, replies, None, others, texts[at] if at >= 0 else None


def _positions(code: str, wanted: str, equal: bool) -> list[int]:
    """Indexes of the messages whose code is (or, if not `equal`, is not) `wanted`."""
    return [k for k, c in enumerate(code) if (c == wanted) is equal]


def _read_messages(messages: list[Any], shape: Shape, out: list[Finding]) -> _Read:
    """Read any conversation, appending the per-message structure and role findings.

    The loop is inlined on purpose: `_read_plain` gives up on every entry with
    an odd message, role or key, and then this runs for each of its messages.
    """
    texts: list[str] | None = []
    codes: list[str] = []
    reply_at: list[int] = []
    replies: list[str] = []
    other_at: list[int] = []
    others: list[str] = []
    accepted = roles.ACCEPTED[shape]
    chatml = shape == "chatml"
    # the first role and text keys of the shape: `_read` gives the same when both are there
    rkey, tkey = (_CHATML_ROLE, _CHATML_TEXT) if chatml else _SHAREGPT_KEYS
    system: str | None = None
    names: tuple[str, ...] | None = None  # the record's role names, read once if needed
    for index, message in enumerate(messages):
        if type(message) is dict:
            name = message.get(rkey, _MISSING)
            value = message.get(tkey, _MISSING)
            if (name is _MISSING or value is _MISSING) and not chatml:
                name, value = _read(message, shape)  # a later key of the shape's list
        else:
            name, value = _read(message, shape)
        text = value if type(value) is str else _text(value)
        if text is None or type(name) is not str:
            out.append(structure.check_message(index, message, shape))  # type: ignore[arg-type]
            if type(name) is str and name not in accepted:
                names = _role_names(messages, shape) if names is None else names
                out.append(_check_role(index, name, message, messages, shape, names))
            codes.append(roles.role_code_of(name, shape))
            texts = None
            continue
        if texts is not None:
            texts.append(text)
        code = accepted.get(name)
        if code is None:
            texts = None
            names = _role_names(messages, shape) if names is None else names
            found = _check_role(index, name, message, messages, shape, names)
            out.append(found)
            # a mislabelled system prompt is neither system nor assistant until a person says
            code = roles.role_code_of(name, shape) if found.fixable or index else roles.UNKNOWN
        codes.append(code)
        if code == "a":
            reply_at.append(index)
            replies.append(text)
        else:
            if code == "s" and system is None:
                system = text
            other_at.append(index)
            others.append(text)
    return codes, texts, reply_at, replies, other_at, others, system


def _check_speakers(indexes: list[int], texts: list[str], joined: str, system: str,
                    out: list[Finding]) -> None:
    """`format-leak` for replies opening a line with the character's name (see `speakers`)."""
    names = [n for n in character_names(system) if n + ":" in joined]
    if not names:
        return
    leaked = {f.message for f in out if f.check == "format-leak"}
    for index, text in zip(indexes, texts, strict=True):
        if index not in leaked:
            found = check_speaker_label(index, text, tuple(names))
            if found is not None:
                out.append(found)


def _role_names(messages: list[Any], shape: Shape) -> tuple[str, ...]:
    """The record's role names that are text (what `roles.canonical_name` reads;
    ChatML needs none)."""
    if shape != "sharegpt":
        return ()
    return tuple(n for n in roles.role_names(messages, shape) if isinstance(n, str))


def _check_role(index: int, name: str, message: object, messages: list[Any],
                shape: Shape, names: tuple[str, ...]) -> Finding:
    """`unknown-role` for one message (the record's `names` pick the fix's vocabulary).

    Position-aware: a first message whose odd name maps to the assistant but is
    followed by a user turn is a mislabelled system prompt, reported for a
    person to decide (`roles.mislabelled_system`).
    """
    if index == 0 and roles.mislabelled_system(messages, 0, shape):
        return roles.check_mislabelled_system(name)
    return roles.check_role(index, name, shape, role_key(message, shape), names)  # type: ignore


def _plain_texts(texts: list[str], replies: list[str], short: int) -> bool:
    """Whether `_check_texts` would find nothing in any text: none empty or with edge
    whitespace, no reply under `short` characters. The usual answer, found for all
    texts with one test instead of one per kind of turn."""
    bare = list(map(str.strip, texts))
    return (bare == texts and all(bare)
            and (not short or not replies or min(map(len, replies)) >= short))


def _check_texts(indexes: list[int], texts: list[str], messages: list[Any], shape: Shape,
                 short: int, out: list[Finding]) -> tuple[list[int], list[str]]:
    """`empty-content`, `edge-whitespace`, `short-response` (when `short`) for some texts.

    Tested for all texts at once with C-level maps (``strip`` returns the same
    string when there is nothing to strip); message by message only when that
    finds something. Returns the texts that are not empty, for the text scans.
    """
    bare = list(map(str.strip, texts))
    if bare == texts and all(bare) and (not short or min(map(len, bare)) >= short):
        return indexes, texts
    keep_at, keep = [], []
    for index, text, stripped in zip(indexes, texts, bare, strict=True):
        value = _read(messages[index], shape)[1]
        if not stripped:
            out.append(content.check_empty(index, value, text))  # type: ignore[arg-type]
            continue
        keep_at.append(index)
        keep.append(text)
        if stripped is not text or type(value) is not str:
            found = content.check_edge_whitespace(index, value)
            if found is not None:
                out.append(found)
        if short and len(stripped) < short:
            out.append(content.check_short_response(index, text, short))  # type: ignore[arg-type]
    return keep_at, keep


def check_order(code: str, ctx: Context, out: list[Finding]) -> None:
    """Role-order checks on the role code (see `roles`).

    They depend on the code alone, and a file repeats a few codes (a fifth of a
    generated one opens with the assistant: "sauaua"), so the findings of short
    codes are kept (`Finding` is immutable) instead of found again each time:
    one cached call, cheaper than the string tests that would tell the usual
    clean conversation apart first.
    """
    if len(code) <= _KEPT_CODE:
        found = _order_findings(code, ctx.split_exchanges)
        if found:
            out.extend(found)
    else:
        _check_order(code, ctx.split_exchanges, out)


_KEPT_CODE = 64  # longer codes are rare and would make the kept ones costly to hold


@lru_cache(maxsize=4096)
def _order_findings(code: str, split_exchanges: int) -> tuple[Finding, ...]:
    out: list[Finding] = []
    _check_order(code, split_exchanges, out)
    return tuple(out)


def _check_order(code: str, split_exchanges: int, out: list[Finding]) -> None:
    out.extend(roles.check_misplaced_system(code))
    for found in (roles.check_starts_with_assistant(code),
                  roles.check_ends_with_user(code), roles.check_no_assistant(code),
                  roles.check_missing_system(code),
                  roles.check_split_candidate(code, split_exchanges)):
        if found is not None:
            out.append(found)
    out.extend(roles.check_alternation(code))


def _check_hidden(indexes: list[int], texts: list[str], out: list[Finding]) -> None:
    for index, text in zip(indexes, texts, strict=True):
        found = check_hidden(index, text)
        if found is not None:
            out.append(found)


def _scan_replies(indexes: list[int] | None, texts: list[str], scanner: Scanner,
                  out: list[Finding], code: str) -> str:
    """Hidden characters, refusal and format-leak in the replies, all at once first.

    `indexes` None: the replies are the "a" messages of `code` (found only if
    the screen fires). Returns the replies joined (the speaker-label check
    reads them too).
    """
    joined = "\n".join(texts)
    screen = scanner.screen(joined)  # it also leaves the UTF-8 form cached for maybe_hidden
    if screen is False:  # no needle, no hidden character: the usual
        return joined
    if indexes is None:
        indexes = _positions(code, "a", True)
    searched = joined
    if maybe_hidden(joined):
        _check_hidden(indexes, texts, out)
        if screen is None and SURROGATE_RE.search(joined):
            # Lone surrogates (possible via the stdlib JSON fallback) cannot reach the
            # Rust matcher; no needle contains one, so replacing them keeps every needle.
            texts = [SURROGATE_RE.sub("\ufffd", text) for text in texts]
            searched = "\n".join(texts)
    # True: a needle or a hidden character occurs, and the screen tells the replies
    # apart one by one; None (no screen, or text it cannot read): the needle search
    if screen or scanner.may_match(searched):
        _check_patterns(indexes, texts, scanner, out)
    return joined


def _check_patterns(indexes: list[int], texts: list[str], scanner: Scanner,
                    out: list[Finding]) -> None:
    """`refusal` / `format-leak` per reply, running only patterns whose needles occur."""
    for index, text in zip(indexes, texts, strict=True):
        for check, regex in scanner.regexes_for(text):
            found = content.check_pattern(check, _WHAT[check], index, text, regex)
            if found is not None:
                out.append(found)
