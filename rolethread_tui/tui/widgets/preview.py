"""The preview pane: the current entry's messages, with role and provenance."""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...domain import formats
from ...domain.records import RawLine
from ...domain.review import aligned_turns, review_of
from ...domain.session import Session
from ...domain.validation import Finding
from ..safe_text import clean, literal

ROLE_STYLE = {"system": "bold magenta", "user": "bold cyan", "assistant": "bold green"}
MAX_CHARS = 20_000  # a multi-MB line is cut for display; the editor shows it whole


SEVERITY_MARK = {"error": ("✖", "bold red"), "warning": ("▲", "yellow"), "info": ("•", "dim")}
MAX_FINDINGS = 6


def render_findings(findings: list[Finding]) -> Text:
    """The findings panel: one line per finding, worst first, fixable ones marked."""
    out = Text()
    order = {"error": 0, "warning": 1, "info": 2}
    ranked = sorted(findings, key=lambda f: order.get(f.severity, 3))
    for f in ranked[:MAX_FINDINGS]:
        mark, style = SEVERITY_MARK.get(f.severity, ("•", ""))
        out.append(f"{mark} {f.check}", style=style)
        out.append(f"  {clean(f.text)}")
        out.append("  [F fixes]\n" if f.fixable else "\n", style="green")
    if len(ranked) > MAX_FINDINGS:
        out.append(f"… {len(ranked) - MAX_FINDINGS} more (v: summary)\n", style="dim")
    if ranked:
        out.append("\n")
    return out


def render_entry(value: object, highlight: list[str] | None = None) -> Text:
    """The entry as readable text: a header per message, content shown literally."""
    if isinstance(value, RawLine):
        out = Text(f"⚠ not valid JSON: {value.error}\n", style="bold red")
        out.append_text(literal(str(value)[:MAX_CHARS]))
        return out
    shape = formats.detect_shape(value)
    if shape is None:
        out = Text("⚠ not a conversation (no messages / conversations list)\n", style="bold red")
        out.append_text(literal(repr(value)[:MAX_CHARS]))
        return out
    messages = value[formats.conversation_key(shape)]  # type: ignore[index]
    origins = aligned_turns(review_of(value), len(messages))
    out = Text()
    for n, ((role, text), message) in enumerate(zip(formats.turns(value), messages, strict=True)):
        shown = role or f"? {clean(str(formats.raw_role(message, shape)))}"
        out.append(f"{n} {shown}", style=ROLE_STYLE.get(role or "", "bold red"))
        out.append(f"  {origins[n]}\n", style="dim" if origins[n] == "generated" else "italic")
        body = literal(text[:MAX_CHARS] + ("…" if len(text) > MAX_CHARS else ""))
        if highlight:
            body.highlight_words(highlight, style="reverse", case_sensitive=False)
        out.append_text(body)
        out.append("\n\n")
    if not messages:
        out.append("(no messages)", style="dim")
    return out


class Preview(VerticalScroll, can_focus=False):
    """Scrollable read-only view of one entry."""

    DEFAULT_CSS = """
    Preview { height: 45%; border-top: solid $primary 50%; padding: 0 1; }
    Preview > Static { width: 1fr; }
    """

    def __init__(self, session: Session, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.session = session
        self.highlight: list[str] = []
        self._body = Static("", markup=False)

    def compose(self):  # type: ignore[no-untyped-def]
        yield self._body

    def show(self, position: int | None) -> None:
        if position is None or position >= len(self.session):
            self._body.update(Text("(no entry)", style="dim"))
            return
        value = self.session.entry(position)
        body = render_findings(self.session.findings(position))
        body.append_text(render_entry(value, self.highlight))
        self._body.update(body)
        self.scroll_home(animate=False)
