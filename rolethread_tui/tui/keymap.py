"""User keymaps: the config's `[keymap]` table applied with Textual's `App.set_keymap`.

How Textual does it (8.x): every `Binding` that may be remapped carries an
`id=` (ours are the action names, docs/keys.md). `App.set_keymap({id: "keys"})`
stores the map; whenever the binding chain is built, each node's bindings with a
matching id get the keymap's keys *instead of* their defaults (comma-separated
for several keys; single characters such as "?" are normalised to Textual's key
names). Ids are global, so one entry rebinds that action on every screen.
Textual silently ignores ids no binding has, and resolves a key used twice by
letting the remapped binding win (then calls `App.handle_bindings_clash`); this
module turns both cases into warnings the user can act on.
"""

from __future__ import annotations

import difflib
import string
from collections.abc import Iterable, Mapping
from typing import Any

from textual.app import App
from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode
from textual.keys import KEY_ALIASES, KEY_NAME_REPLACEMENTS, KEY_TO_UNICODE_NAME, Keys
from textual.keys import key_to_character as _key_to_character


def decision_bindings(*, show: bool = True) -> list[Binding]:
    """`a` / `x` / `w`: the same ids on every screen that decides, so one keymap entry
    re-binds them everywhere."""
    return [Binding("a", "decide('accepted')", "Accept", show=show, id="accept"),
            Binding("x", "decide('rejected')", "Reject", show=show, id="reject"),
            Binding("w", "decide('needs_work')", "Needs work", show=show, id="needs_work")]


#: `1`–`9`: toggle flag N of the flag set, wherever an entry is decided.
FLAG_BINDINGS = [Binding(str(n), f"toggle_flag({n})", f"Flag {n}", show=False,
                         id=f"toggle_flag_{n}") for n in range(1, 10)]

_MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})


def _base_names() -> frozenset[str]:
    """Key names Textual can deliver, without modifiers ("pagedown", "f5", "question_mark" ...)."""
    names = {key.value.rpartition("+")[2] for key in Keys}
    names |= set(KEY_NAME_REPLACEMENTS.values()) | set(KEY_TO_UNICODE_NAME)
    names |= {alias.rpartition("+")[2] for aliases in KEY_ALIASES.values() for alias in aliases}
    names |= {"comma", "newline"}
    return frozenset(names)


_BASE_NAMES = _base_names()


def is_valid_key(key: str) -> bool:
    """Whether Textual could ever fire `key` ("ctrl+s", "j", "G", "pagedown", "question_mark")."""
    *modifiers, base = key.split("+")
    if any(modifier not in _MODIFIERS for modifier in modifiers) or not base:
        return False
    if len(base) == 1:
        return base in string.printable or base.isprintable()
    return base in _BASE_NAMES or _key_to_character(base) is not None


def default_keys(node_classes: Iterable[type[DOMNode]]) -> dict[str, str]:
    """binding id -> default keys ("j,down"), read from the classes' BINDINGS (bases included).

    The app passes its App, Screen and Widget classes; the result gives both the
    known ids and the defaults needed to spot clashes.
    """
    found: dict[str, list[str]] = {}
    for node_class in node_classes:
        for base in reversed(node_class.__mro__):
            bindings = base.__dict__.get("BINDINGS") if issubclass(base, DOMNode) else None
            if not bindings:
                continue
            for key, key_bindings in BindingsMap(bindings).key_to_bindings.items():
                for binding in key_bindings:
                    if binding.id and key not in found.setdefault(binding.id, []):
                        found[binding.id].append(key)
    return {binding_id: ",".join(keys) for binding_id, keys in found.items()}


def binding_order(node: DOMNode) -> dict[str, int]:
    """binding id → its place in the BINDINGS of the node's classes (bases first).

    A re-bound key is appended by Textual at the end of a node's bindings, so
    the footer and help would show it last — off the edge of an 80-column
    footer. Sorting by this order keeps every action where its class put it.
    """
    order: dict[str, int] = {}
    for base in reversed(type(node).__mro__):
        for binding in base.__dict__.get("BINDINGS", ()) if issubclass(base, DOMNode) else ():
            binding_id = getattr(binding, "id", None)
            if binding_id is not None:
                order.setdefault(binding_id, len(order))
    return order


class KeymapOrder:
    """Mixed into screens: active bindings in their declared order, keymap or not."""

    @property
    def active_bindings(self):  # type: ignore[no-untyped-def]
        found = super().active_bindings  # type: ignore[misc]
        order = binding_order(self)  # type: ignore[arg-type]
        last = len(order)
        return dict(sorted(found.items(),
                           key=lambda item: order.get(item[1].binding.id or "", last)))


def _unknown_id_warning(binding_id: str, known_ids: set[str]) -> str:
    close = difflib.get_close_matches(binding_id, sorted(known_ids), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"keymap.{binding_id}: no such action{hint}; ignored"


def _key_warning(binding_id: str, keys: str) -> str | None:
    bad = [key for key in keys.split(",") if not is_valid_key(key.strip())]
    if not bad:
        return None
    return f"keymap.{binding_id}: unknown key {bad[0]!r} (e.g. 'ctrl+s', 'pagedown', 'f2'); ignored"


def _canonical(key: str) -> str:
    """'?' and 'question_mark' are the same key: compare by character where there is one."""
    key = key.strip()
    return _key_to_character(key) or key


def _clash_warnings(keymap: Mapping[str, str], defaults: Mapping[str, str]) -> list[str]:
    """Keys the user bound that another action also has once the keymap is applied."""
    effective = {**defaults, **keymap}
    owners: dict[str, list[str]] = {}
    for binding_id, keys in effective.items():
        for key in keys.split(","):
            owners.setdefault(_canonical(key), []).append(binding_id)
    warnings = []
    for binding_id, keys in keymap.items():
        for key in keys.split(","):
            others = [other for other in owners.get(_canonical(key), [])
                      if other != binding_id and _family(other) != _family(binding_id)]
            if others:
                warnings.append(
                    f"keymap.{binding_id}: {key.strip()!r} is also the key of {others[0]!r}"
                )
    return warnings


#: One motion, one name: re-binding `cursor_down` moves down everywhere (the list, the
#: editor's messages, the reading view, insights, the side-by-side view), unless the
#: keymap names a screen's own id too.
MOTIONS: dict[str, tuple[str, ...]] = {
    "cursor_down": ("editor_next_message", "reading_next_entry", "insights_down", "pair_down"),
    "cursor_up": ("editor_previous_message", "reading_previous_entry", "insights_up",
                  "pair_up"),
    "first": ("editor_first_message", "insights_first"),
    "last": ("editor_last_message", "insights_last"),
    "page_down": ("editor_page_down", "reading_page_down", "insights_page_down",
                  "pair_page_down"),
    "page_up": ("editor_page_up", "reading_page_up", "insights_page_up", "pair_page_up"),
}


def _family(binding_id: str) -> str:
    """The motion a binding id moves by (itself when it is no motion)."""
    return next((m for m, ids in MOTIONS.items() if binding_id in ids), binding_id)


def with_motions(keymap: Mapping[str, str]) -> dict[str, str]:
    """The keymap with each re-bound motion copied to the screens' own motion ids."""
    out = dict(keymap)
    for motion, ids in MOTIONS.items():
        if motion in keymap:
            for binding_id in ids:
                out.setdefault(binding_id, keymap[motion])
    return out


def apply_keymap(
    app: App[Any],
    keymap: Mapping[str, str],
    known_ids: set[str],
    defaults: Mapping[str, str] | None = None,
) -> list[str]:
    """Apply the valid part of `keymap` with `app.set_keymap`; warn about the rest.

    An entry whose id no binding has, or whose key Textual could never fire, is
    dropped (its action keeps its default key). With `defaults` (from
    `default_keys`), keys used by two actions are reported too; bindings on
    different screens may share a key legitimately, so this is only a warning.
    """
    warnings: list[str] = []
    valid: dict[str, str] = {}
    for binding_id, keys in with_motions(keymap).items():
        problem = (
            _unknown_id_warning(binding_id, known_ids)
            if binding_id not in known_ids
            else _key_warning(binding_id, keys)
        )
        if problem:
            warnings.append(problem)
        else:
            valid[binding_id] = keys
    if defaults is not None:
        warnings.extend(_clash_warnings(valid, defaults))
    app.set_keymap(valid)
    return warnings
