"""Command palette provider: every action of the screen the palette was opened from.

docs/keys.md promises that "the command palette lists every action". Keys are easy
to forget and some actions have none, so the palette is the one place where a
reviewer can find everything by name. What it lists, for the calling screen:

* every binding of the chain that would receive a key press (the focused
  widget, its ancestors, the screen, the app — Textual's own `_binding_chain`
  order), with its description, binding id and *current* keys: Textual 8 keeps
  the class `BINDINGS` in `node._bindings` and applies `App._keymap` only to a
  copy each time it builds the chain (`Screen._binding_chain`), so we do the
  same (`BindingsMap.copy().apply_keymap(app._keymap)`) and a `[keymap]`
  override shows its real key, not the default;
* actions of our own classes that no key reaches (`action_*` methods, without
  required arguments, defined in this package) — "every action" includes those;
* `EXTRA_COMMANDS`, named commands for actions that have no key on purpose,
  one "Open recent" per remembered file, and "Go to entry N" for a number.

Nothing broken is ever shown: an extra command appears only when its target
has the `action_*` method (features land one at a time), and actions whose
`check_action` says False are left out, as Textual's footer does.
"""

from __future__ import annotations

import inspect
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from textual.actions import ActionError, parse
from textual.binding import Binding, BindingsMap
from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content
from textual.dom import DOMNode
from textual.markup import escape
from textual.screen import Screen
from textual.style import Style

# (title, help, action string). "app." targets the app, "screen." the screen the
# palette was opened from. Shown only once the target implements the action.
EXTRA_COMMANDS: list[tuple[str, str, str]] = [
    ("Export: accepted entries…", "Write the accepted entries to a new file",
     "app.export_prompt('status:accepted')"),
    ("Export: current filter…", "Write the entries the current filter shows to a new file",
     "app.export_prompt(None)"),
    ("Validate: summary", "Validation findings of the whole file, counted per check",
     "screen.validation_summary"),
    ("Fix: apply safe fixes to this entry", "Apply the automatic fixes validation offers "
     "(undoable)", "screen.fix_entry"),
    ("Dedupe: find near-duplicates", "Group entries that are (nearly) the same",
     "screen.find_duplicates"),
    ("Theme: switch…", "Pick a colour theme; the choice is remembered",
     "app.change_theme"),
    ("Reload file from disk", "Read the file again as it is on disk", "app.reload"),
]

RECENT_ACTION = "app.open_file"  # called with one argument: the path
GOTO_ACTION = "screen.goto"  # called with one argument: the 1-based entry number
# Opening the palette from inside the palette would only confuse.
HIDDEN_ACTIONS = frozenset({"command_palette"})
_PACKAGE = __name__.split(".")[0] + "."
_NUMBER = re.compile(r"#?\s*(\d+)")
GOTO_SCORE = 1_000.0  # above any fuzzy score, so Enter on a typed number goes there
RANK_EXTRA, RANK_KEYLESS, RANK_FRAMEWORK = 3, 4, 5

ActionKey = tuple[int, str, tuple[object, ...]]


@dataclass(frozen=True)
class PaletteCommand:
    """One palette line: what to show and match, and how to run it."""

    title: str
    help: str
    action: str  # run with `app.run_action(action, namespace, ...)`
    namespace: DOMNode  # the node a bare action name is looked up on
    binding_id: str | None = None
    keys: tuple[str, ...] = ()
    rank: int = 0  # display group, see `_rank`


# ------------------------------------------------------------------ resolving actions
def _targets(screen: Screen[Any], node: DOMNode) -> dict[str, DOMNode | None]:
    """Namespaces an action string may name; '' is the node the binding belongs to."""
    return {"": node, "app": screen.app, "screen": screen, "focused": screen.focused}


def resolve(
    action: str, screen: Screen[Any], node: DOMNode | None = None
) -> tuple[DOMNode, str, tuple[object, ...]] | None:
    """(target, action name, arguments) as Textual would run `action`, or None if it cannot."""
    try:
        namespace, name, params = parse(action)
    except ActionError:
        return None
    target = _targets(screen, screen if node is None else node).get(namespace)
    return None if target is None else (target, name, params)


def _runnable(target: DOMNode, name: str, params: tuple[object, ...]) -> bool:
    """The target has the method and does not currently refuse it (`check_action` False)."""
    has_method = hasattr(target, f"action_{name}") or hasattr(target, f"_action_{name}")
    return has_method and target.check_action(name, params) is not False


def _action_key(resolved: tuple[DOMNode, str, tuple[object, ...]]) -> ActionKey:
    target, name, params = resolved
    return (id(target), name, params)


# ------------------------------------------------------------------ bindings
def binding_nodes(screen: Screen[Any]) -> list[DOMNode]:
    """The nodes a key press visits, innermost first, stopping at a modal like Textual."""
    focused = screen.focused
    nodes = [screen, screen.app] if focused is None else list(focused.ancestors_with_self)
    for index, node in enumerate(nodes, 1):
        if node.is_modal:
            return nodes[:index]
    return nodes


def current_bindings(node: DOMNode, keymap: dict[str, str]) -> BindingsMap:
    """The node's bindings with the user's keymap applied, as Textual resolves them."""
    bindings = node._bindings.copy()
    if keymap:
        bindings.apply_keymap(keymap)
    return bindings


def _action_name(action: str) -> str:
    """'app.toggle_flag(3)' -> 'toggle_flag', without raising on a malformed string."""
    return action.partition("(")[0].rpartition(".")[2]


def _binding_group(binding: Binding) -> str:
    return binding.id or binding.action


def _keys_by_group(node: DOMNode, app: Any) -> dict[str, list[str]]:
    """Display keys ("a", "^s") per binding id (or action), after keymap overrides."""
    keys: dict[str, list[str]] = {}
    for _key, binding in current_bindings(node, getattr(app, "_keymap", {})):
        shown = app.get_key_display(binding)
        group = keys.setdefault(_binding_group(binding), [])
        if shown not in group:
            group.append(shown)
    return keys


def _rank(node: DOMNode, screen: Screen[Any], binding: Binding) -> int:
    """Display order: our bindings (screen, widgets, app), then extras, keyless, Textual's own.

    Our bindings all carry an id (docs/keys.md); Textual's built-in ones (focus
    next, copy, scroll left ...) have none and are the least sought after.
    """
    if not binding.id:
        return RANK_FRAMEWORK
    if node is screen:
        return 0
    return 2 if node is screen.app else 1


def _node_binding_commands(node: DOMNode, screen: Screen[Any]) -> Iterator[PaletteCommand]:
    """One command per binding id (or action) of `node`, in declared order."""
    keys = _keys_by_group(node, screen.app)
    seen: set[str] = set()
    for _key, binding in node._bindings:
        group = _binding_group(binding)
        if group in seen or binding.system:
            continue
        seen.add(group)
        yield PaletteCommand(
            title=binding.description or humanize(_action_name(binding.action)),
            help=binding.tooltip,
            action=binding.action,
            namespace=node,
            binding_id=binding.id,
            keys=tuple(keys.get(group, ())),
            rank=_rank(node, screen, binding),
        )


# ------------------------------------------------------------------ keyless actions
def humanize(name: str) -> str:
    """'toggle_sidebar' -> 'Toggle sidebar': a title for an action that has no description."""
    return name.replace("_", " ").strip().capitalize()


def _needs_no_arguments(method: Callable[..., Any]) -> bool:
    """A palette line cannot ask for arguments: only actions callable as `action_x()` qualify."""
    try:
        parameters = list(inspect.signature(method).parameters.values())[1:]  # skip self
    except (TypeError, ValueError):
        return False
    return all(
        p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        for p in parameters
    )


def own_actions(node: DOMNode) -> Iterator[tuple[str, Callable[..., Any]]]:
    """`action_*` methods our own classes define (Textual's built-ins are not "our" actions)."""
    seen: set[str] = set()
    for cls in type(node).__mro__:
        if not cls.__module__.startswith(_PACKAGE):
            continue
        for attr, value in vars(cls).items():
            if attr.startswith("action_") and callable(value) and attr not in seen:
                seen.add(attr)
                yield attr.removeprefix("action_"), value


def _first_doc_line(method: Callable[..., Any]) -> str:
    doc = inspect.getdoc(method) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def _keyless_commands(node: DOMNode) -> Iterator[PaletteCommand]:
    for name, method in own_actions(node):
        if _needs_no_arguments(method):
            yield PaletteCommand(title=humanize(name), help=_first_doc_line(method),
                                 action=name, namespace=node, rank=RANK_KEYLESS)


# ------------------------------------------------------------------ extra commands
def _extra_command(screen: Screen[Any], title: str, help_text: str,
                   action: str) -> PaletteCommand | None:
    """The command, if its target implements the action; `screen.` means the calling screen."""
    resolved = resolve(action, screen)
    if resolved is None or not _runnable(*resolved):
        return None
    return PaletteCommand(title=title, help=help_text, action=action, namespace=screen,
                          rank=RANK_EXTRA)


def recent_file_action(path: str) -> str:
    """`app.open_file('<path>')`, quoted so any path (quotes, brackets, spaces) parses back."""
    return f"{RECENT_ACTION}({path!r})"


def _current_path(app: Any) -> str | None:
    session = getattr(app, "session", None)
    path = getattr(session, "path", None)
    return None if path is None else os.path.abspath(path)


def _recent_commands(screen: Screen[Any]) -> Iterator[PaletteCommand]:
    """One "Open recent" per remembered file, except the file already open."""
    app = screen.app
    state = getattr(app, "state", None)
    current = _current_path(app)
    for path in getattr(state, "recent_files", None) or ():
        if path != current:
            command = _extra_command(screen, f"Open recent: {path}",
                                     "Open this file instead", recent_file_action(path))
            if command is not None:
                yield command


def extra_commands(screen: Screen[Any]) -> Iterator[PaletteCommand]:
    """EXTRA_COMMANDS and recent files whose actions exist now."""
    for title, help_text, action in EXTRA_COMMANDS:
        command = _extra_command(screen, title, help_text, action)
        if command is not None:
            yield command
    yield from _recent_commands(screen)


def goto_command(screen: Screen[Any], query: str) -> PaletteCommand | None:
    """"Go to entry N" when the query is a number in range and the screen can go there."""
    match = _NUMBER.fullmatch(query.strip())
    if match is None:
        return None
    number = int(match.group(1))
    session = getattr(screen.app, "session", None)
    if number < 1 or (session is not None and number > len(session)):
        return None
    return _extra_command(screen, f"Go to entry {number}", "Move the cursor to that entry",
                          f"{GOTO_ACTION}({number})")


# ------------------------------------------------------------------ the full list
def _merge(commands: dict[ActionKey, PaletteCommand], command: PaletteCommand,
           screen: Screen[Any], *, override: bool) -> None:
    """Add `command` unless its action is already listed; extras lend their title to a binding."""
    resolved = resolve(command.action, screen, command.namespace)
    if resolved is None or not _runnable(*resolved) or resolved[1] in HIDDEN_ACTIONS:
        return
    key = _action_key(resolved)
    old = commands.get(key)
    if old is None:
        commands[key] = command
    elif override:
        commands[key] = replace(old, title=command.title, help=command.help or old.help)


def screen_commands(screen: Screen[Any]) -> list[PaletteCommand]:
    """Every command for `screen`, each action once, in display order.

    The innermost binding wins for an action bound on several nodes, as it
    would for a key press; an extra command naming a bound action keeps the
    binding's keys and id under the extra's clearer title.
    """
    commands: dict[ActionKey, PaletteCommand] = {}
    nodes = binding_nodes(screen)
    for node in nodes:
        for command in _node_binding_commands(node, screen):
            _merge(commands, command, screen, override=False)
    for node in nodes:
        for command in _keyless_commands(node):
            _merge(commands, command, screen, override=False)
    if not screen.is_modal:  # a modal asks a question: only its own actions apply
        for command in extra_commands(screen):
            _merge(commands, command, screen, override=True)
    return sorted(commands.values(), key=lambda command: command.rank)


# ------------------------------------------------------------------ display
def key_label(command: PaletteCommand) -> str:
    """'s ^s': every key that runs the command, as the footer would show it."""
    return " ".join(command.keys)


def help_text(command: PaletteCommand) -> str:
    """Second palette line: binding id (for `[keymap]`), "no key" or help.

    The keys are on the title line already. Textual reads this line as markup,
    hence the escape.
    """
    parts = []
    if command.binding_id:
        parts.append(f"id {command.binding_id}")
    if not command.keys:
        parts.append("no key")
    if command.help:
        parts.append(command.help)
    return escape(" · ".join(parts))


def prompt(command: PaletteCommand, offsets: Iterable[int] = (),
           match_style: Style | str = "reverse") -> Content:
    """Title with the matched letters highlighted, then its keys.

    Built as `Content`, never markup: titles hold file paths, and a '[' in a
    path must not be read as a style tag (Matcher.highlight parses markup).
    """
    title = Content(command.title)
    for offset in offsets:
        if not command.title[offset].isspace():
            title = title.stylize(match_style, offset, offset + 1)
    if not command.keys:
        return title
    return Content.assemble(title, ("  " + key_label(command), "bold $text-accent"))


def score(matcher: Matcher, command: PaletteCommand) -> tuple[float, tuple[int, ...]]:
    """Match the title; failing that, the binding id ("needs_work"), ranked a little lower."""
    value, offsets = matcher.fuzzy_search.match(matcher.query, command.title)
    if value:
        return value, offsets
    if command.binding_id:
        return matcher.match(command.binding_id) * 0.8, ()
    return 0.0, ()


class ActionsProvider(Provider):
    """Palette commands for every action of the calling screen (see the module docstring)."""

    def _runner(self, command: PaletteCommand) -> Callable[[], Any]:
        """Run as a key press would; `screen.` is pinned to the calling screen."""
        app, screen = self.app, self.screen

        async def run() -> None:
            await app.run_action(command.action, command.namespace,
                                 {"screen": screen, "app": app})

        return run

    def commands(self) -> list[PaletteCommand]:
        """Rebuilt per query: cheap, and always reflects the current keymap and state."""
        return screen_commands(self.screen)

    async def discover(self) -> Hits:
        """Everything, before anything is typed, so the palette doubles as a menu."""
        for command in self.commands():
            yield DiscoveryHit(prompt(command), self._runner(command),
                               text=command.title, help=help_text(command))

    async def search(self, query: str) -> Hits:
        """Fuzzy match on titles (and binding ids); a number first offers "Go to entry N"."""
        goto = goto_command(self.screen, query)
        if goto is not None:
            yield Hit(GOTO_SCORE, prompt(goto), self._runner(goto), text=goto.title,
                      help=help_text(goto))
        matcher = self.matcher(query)
        for command in self.commands():
            value, offsets = score(matcher, command)
            if value > 0:
                yield Hit(value, prompt(command, offsets, matcher.match_style),
                          self._runner(command),
                          text=command.title, help=help_text(command))
