"""Role checks: each message's role name, and the order of roles in a conversation.

Role names are mapped with `formats.normalise_role`; a name that does not map
(a character name, ``narrator``, ``tool``, ``{{char}}``) is reported, never
guessed. Exact spellings that need no fix:

- ChatML records: ``system``, ``user``, ``assistant``;
- ShareGPT records: the ShareGPT names ``system``, ``human``, ``gpt`` and also
  ``user``, ``assistant`` (common in ShareGPT-shaped exports and loaded as-is by
  the usual trainers).

Anything else that maps ("User", " assistant", "bot", "gpt" in ChatML) is an
`unknown-role` error with a fix. The name it writes: in ChatML the canonical
role; in ShareGPT the vocabulary the record already speaks (``human``/``gpt`` or
``user``/``assistant``, in any case: "GPT" counts), so that a fix never mixes the
two — and when the record uses neither, ShareGPT names under the ``from`` key and
canonical ones under ``role``/``speaker``, as `ops.role_name` writes roles.

The order checks read a *role code*: one character per message, ``s`` system,
``u`` user, ``a`` assistant, ``?`` unknown or unreadable. String operations on
it are C-speed, which keeps the per-entry cost flat.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Final

from ..formats import Shape, normalise_role, role_key
from .findings import Finding, finding

CHATML_NAMES: Final = {"system": "system", "user": "user", "assistant": "assistant"}
SHAREGPT_NAMES: Final = {"system": "system", "user": "human", "assistant": "gpt"}
ROLE_CODES: Final = {"system": "s", "user": "u", "assistant": "a"}
UNKNOWN: Final = "?"
#: Per shape: the exact role names that need no finding, and their role codes.
ACCEPTED: Final[dict[str, dict[str, str]]] = {
    "chatml": {"system": "s", "user": "u", "assistant": "a"},
    "sharegpt": {"system": "s", "human": "u", "gpt": "a", "user": "u", "assistant": "a"},
}


def canonical_name(role: str, shape: Shape, key: str | None = None,
                   names: Iterable[object] = ()) -> str:
    """The name a fix writes for canonical `role`, under role key `key`, in a record
    whose role names are `names` (see the module docstring)."""
    if shape == "chatml":
        return CHATML_NAMES[role]
    exact = tuple(n for n in names if isinstance(n, str))
    return (SHAREGPT_NAMES if _speaks_sharegpt(exact, key) else CHATML_NAMES)[role]


@lru_cache(maxsize=1024)
def _speaks_sharegpt(exact: tuple[str, ...], key: str | None) -> bool:
    """Whether a fix in a record with role names `exact` writes ShareGPT names.

    Cached: every odd role of a record asks with the same names, and a file
    repeats a few casts (the scan's cost for a record full of character names).
    """
    sharegpt = _vocabulary(exact)  # names spelt right decide first, then "GPT", "Human"
    if sharegpt is None:
        sharegpt = _vocabulary(n.strip().lower() for n in exact)
    if sharegpt is None:
        sharegpt = key in (None, "from")
    return sharegpt


def _vocabulary(names: Iterable[str]) -> bool | None:
    """True for human/gpt, False for user/assistant, None when neither shows."""
    seen = set(names)
    if seen & {"human", "gpt"}:
        return True
    return False if seen & {"user", "assistant"} else None


def role_names(messages: Iterable[object], shape: Shape) -> list[object]:
    """The role value of each message object (for `canonical_name`)."""
    return [m[k] for m in messages if (k := role_key(m, shape)) is not None]  # type: ignore[index]


def role_code_of(name: object, shape: Shape) -> str:
    """The role-code character of a role value as written in the record."""
    code = ACCEPTED[shape].get(name) if isinstance(name, str) else None
    if code is None:
        role = normalise_role(name)
        code = ROLE_CODES[role] if role else UNKNOWN
    return code


def check_role(index: int, name: str, shape: Shape, key: str | None = None,
               names: Iterable[object] = ()) -> Finding | None:
    """`unknown-role`: a name outside system/user/assistant; fixable when it maps.

    `key` is the message's role key and `names` the record's role names: they
    decide which name the fix would write (see `canonical_name`).
    """
    if name in ACCEPTED[shape]:
        return None
    role = normalise_role(name)
    if role is None:
        return finding("unknown-role",
                       f"message {index}: unknown role {name!r} (not a system/user/assistant name)",
                       index)
    target = canonical_name(role, shape, key, names)
    return finding("unknown-role", f"message {index}: role {name!r} should be {target!r}",
                   index, fixable=True)


def mislabelled_system(messages: list[object], index: int, shape: Shape) -> bool:
    """Whether message `index` is a system prompt under a wrong, assistant-like name.

    docs/validation.md, position-aware role fixes: the first message, its name not one
    the shape accepts but one that maps to the assistant ("GPT", "Bot"), and a
    user turn right after it. Renaming it "assistant" would make the
    conversation open with a reply to nothing; it is a person's call.
    """
    if index != 0 or len(messages) < 2:
        return False
    first, second = messages[0], messages[1]
    rkey, nkey = role_key(first, shape), role_key(second, shape)
    if rkey is None or nkey is None:
        return False
    name = first[rkey]  # type: ignore[index]
    return (isinstance(name, str) and name not in ACCEPTED[shape]
            and normalise_role(name) == "assistant"
            and normalise_role(second[nkey]) == "user")  # type: ignore[index]


def check_mislabelled_system(name: str) -> Finding:
    """`unknown-role` (manual) for a first message that looks like a mislabelled system prompt."""
    return finding("unknown-role",
                   f"message 0: role {name!r} opens the conversation before a user turn: "
                   "a mislabelled system prompt? (set its role by hand)", 0)


def check_starts_with_assistant(code: str) -> Finding | None:
    """`starts-with-assistant`: the first non-system turn is the assistant's.

    Chat templates and trainers expect a reply to answer something; a greeting
    first may be intended (role-play), hence a warning, never a fix.
    """
    bare = code.lstrip("s")
    if bare.startswith("a"):
        at = len(code) - len(bare)
        return finding("starts-with-assistant",
                       f"message {at}: the first turn after the system prompt is the assistant's",
                       at)
    return None


def check_misplaced_system(code: str) -> list[Finding]:
    """`misplaced-system`: a system message that is not first, or a second one."""
    count = code.count("s")
    if count == 0 or (count == 1 and code[0] == "s"):
        return []
    out = []
    first = code.find("s")
    for index, char in enumerate(code):
        if char != "s" or (index == 0):
            continue
        why = "a second system message" if index != first else "system message is not first"
        out.append(finding("misplaced-system", f"message {index}: {why}", index, fixable=True))
    return out


def check_ends_with_user(code: str) -> Finding | None:
    """`ends-with-user`: the last turn is the user's, so it was never answered."""
    if code.endswith("u"):
        last = len(code) - 1
        return finding("ends-with-user", f"message {last}: last turn is the user's, unanswered",
                       last)
    return None


def check_no_assistant(code: str) -> Finding | None:
    """`no-assistant`: nothing to learn from — no turn has the assistant role."""
    if code and "a" not in code:
        return finding("no-assistant", "no assistant turn")
    return None


def check_alternation(code: str) -> list[Finding]:
    """`role-alternation`: two user or two assistant turns in a row.

    System messages in between do not separate them (misplaced-system reports
    those); an unknown role does, since what it stands for cannot be known.
    """
    seq = code.replace("s", "")
    if "uu" not in seq and "aa" not in seq:
        return []
    out = []
    previous, prev_index = "", -1
    for index, char in enumerate(code):
        if char == "s":
            continue
        if char == previous and char in "ua":
            who = "user" if char == "u" else "assistant"
            out.append(finding("role-alternation",
                               f"messages {prev_index} and {index}: two {who} turns in a row",
                               index))
        previous, prev_index = char, index
    return out


def check_missing_system(code: str) -> Finding | None:
    """`missing-system`: informational — many datasets are trained with one."""
    if code and "s" not in code:
        return finding("missing-system", "no system message")
    return None


def count_exchanges(code: str) -> int:
    """User turns answered by the assistant (system messages ignored)."""
    return code.replace("s", "").count("ua")


def check_split_candidate(code: str, threshold: int) -> Finding | None:
    """`split-candidate`: so many exchanges that the entry may train better split."""
    exchanges = count_exchanges(code)
    if exchanges >= threshold:
        return finding("split-candidate",
                       f"{exchanges} exchanges (>= {threshold}): consider splitting")
    return None
