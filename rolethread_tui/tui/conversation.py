"""One renderer for conversations: the preview, the reading view and the editor.

Everything drawn here comes from the domain's `EntryView` (roles, provenance,
texts already read by the domain's rules) and goes through `safe_text`, so
content is never markup and never a terminal control sequence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher
from functools import lru_cache

from rich.text import Text

from ..domain import EntryView, Finding, MessageView
from .safe_text import clean, literal, one_line
from .wording import count

ROLE_STYLE = {"system": "bold magenta", "user": "bold cyan", "assistant": "bold green"}
ORIGIN_STYLE = {"generated": "dim", "refined": "bold yellow", "human": "bold green"}
SEVERITY_MARK = {"error": ("✖", "bold red"), "warning": ("▲", "yellow"), "info": ("•", "dim")}
DISPLAY_CHARS = 20_000  # a multi-MB message is cut for display; the editor edits it whole
DIFF_TOKENS = 20_000  # above this, diff line by line (a word diff would be quadratic)
MAX_FINDINGS = 6
MAX_MESSAGES = 300  # a longer conversation is cut for reading; the editor reaches them all
MATCH_STYLE = "reverse"
SLOP_STYLE = "underline bold yellow"  # a phrase the batch repeats far above its rate
_TOKEN = re.compile(r"\s+|\S+\s*")  # a word with its trailing space: runs stay readable


def capped(text: str, highlight: Sequence[str] = (), phrases: Sequence[str] = ()) -> Text:
    """The text, literally, cut at DISPLAY_CHARS with a visible note; search matches
    and the entry's repeated phrases (the slop lens) marked."""
    out = literal(text[:DISPLAY_CHARS])
    for phrase in phrases:
        regex = phrase_regex(phrase)
        if regex is not None:
            out.highlight_regex(regex, style=SLOP_STYLE)
    if highlight:
        out.highlight_words([clean(h) for h in highlight if h], style=MATCH_STYLE,
                            case_sensitive=False)
    if len(text) > DISPLAY_CHARS:
        out.append(f"\n… {count(len(text) - DISPLAY_CHARS, 'more character')} (e: edit all)",
                   style="dim")
    return out


@lru_cache(maxsize=4096)
def phrase_regex(phrase: str) -> re.Pattern[str] | None:
    """A repeated phrase as it may be written: the lens drops punctuation, so any
    non-word run may stand between its words. Kept compiled: a move to the next
    entry marks the same few dozen phrases again (building each pattern anew cost
    ~6 ms of a 16 ms preview)."""
    words = [re.escape(w) for w in phrase.split()]
    return re.compile(r"(?i)\b" + r"\W+".join(words) + r"\b") if words else None


def title(message: MessageView) -> Text:
    """`#n role · origin`: the canonical role, the raw name when it differs."""
    style = ROLE_STYLE.get(message.role or "", "bold red")
    return Text.assemble((f"#{message.index} ", "bold"), (clean(message.label), style), " · ",
                         (message.origin, ORIGIN_STYLE.get(message.origin, "")))


def body(message: MessageView, highlight: Sequence[str] = (),
         phrases: Sequence[str] = ()) -> Text:
    if message.is_object and not message.has_content:
        return Text("(no content)", style="dim italic")
    if not message.text:
        return Text("(empty)", style="dim italic")
    out = capped(message.text, highlight, phrases if message.role == "assistant" else ())
    if not message.text_content:
        out.append("\n(non-text content: editing replaces it with this text)", style="dim")
    return out


def render_message(message: MessageView, *, diff: bool = False,
                   highlight: Sequence[str] = (), phrases: Sequence[str] = ()) -> Text:
    """Title line and body of one message; with `diff`, its edit against the original."""
    out = title(message)
    diff = diff and message.original is not None
    if message.original is not None:
        out.append("  ✎ original kept" + (" · diff: -old +new" if diff else ""),
                   style="italic")
    out.append("\n")
    if diff:
        out.append_text(word_diff(message.original or "", message.text))
    else:
        out.append_text(body(message, highlight, phrases))
    return out


def render_entry(view: EntryView, highlight: Sequence[str] = (),
                 phrases: Sequence[str] = ()) -> Text:
    """The whole entry as readable text (preview, reading view); `phrases`: what
    the slop lens found this entry repeating, marked in its assistant turns."""
    if not view.is_conversation:
        out = Text(f"⚠ {clean(view.raw_reason)}\n", style="bold red")
        out.append_text(capped(view.raw or "", highlight))
        return out
    out = Text()
    for message in view.messages[:MAX_MESSAGES]:
        out.append_text(render_message(message, highlight=highlight, phrases=phrases))
        out.append("\n\n")
    if len(view.messages) > MAX_MESSAGES:
        out.append(f"… {count(len(view.messages) - MAX_MESSAGES, 'more message')} (e: the editor "
                   "shows every one)", style="dim")
    if not view.messages:
        out.append("(no messages)", style="dim")
    return out


def render_findings(findings: list[Finding]) -> Text:
    """The findings panel: one line per finding, worst first, fixable ones marked."""
    out = Text()
    order = {"error": 0, "warning": 1, "info": 2}
    ranked = sorted(findings, key=lambda f: order.get(f.severity, 3))
    for f in ranked[:MAX_FINDINGS]:
        mark, style = SEVERITY_MARK.get(f.severity, ("•", ""))
        out.append(f"{mark} {clean(f.check)}", style=style)
        out.append(f"  {clean(f.text)}")
        if f.check in ("duplicate", "near-duplicate"):
            out.append("  [= compare]", style="green")
        out.append("  [F fixes]\n" if f.fixable else "\n", style="green")
    if len(ranked) > MAX_FINDINGS:
        out.append(f"… {len(ranked) - MAX_FINDINGS} more (v: summary)\n", style="dim")
    if ranked:
        out.append("\n")
    return out


def review_line(view: EntryView) -> Text:
    """Flags, tags, note and fixes in one line (long ones cut by the caller's width)."""
    bits = []
    if view.flags:
        bits.append("flags: " + ", ".join(view.flags))
    if view.tags:
        bits.append("tags: " + ", ".join(view.tags))
    if view.note:
        bits.append("note: " + view.note)
    if view.fixes:
        bits.append("fixed: " + ", ".join(view.fixes))
    line = clean(" · ".join(bits).replace("\n", " "))
    return Text(line if len(line) <= 150 else line[:149] + "…", style="italic")


def foreign_line(view: EntryView) -> Text:
    """Another tool's metadata (``_rolethread``), read-only, on one line ("" when none).

    Kept byte for byte in the file and never edited here; shown so a reviewer
    sees what RoleThread Lite recorded (its uuid, its version).
    """
    if not view.foreign:
        return Text("")
    text = one_line(view.foreign)
    text = text if len(text) <= 200 else text[:199] + "…"
    return Text(f"_rolethread (read-only): {text}", style="dim")


def review_head(view: EntryView) -> Text:
    """Status and origin, then `review_line`: the preview's first line, always there.

    One fixed line, so a decision, a flag or a note repaints that line alone
    (the lines under it do not move: over SSH that is ~0.3 KB, not ~2 KB).
    """
    head = Text()
    head.append(f"{view.status.replace('_', ' ')} · {view.origin}", style="italic dim")
    rest = review_line(view)
    if rest.plain:
        head.append(" · ", style="dim")
        head.append_text(rest)
    return head


def word_diff(old: str, new: str) -> Text:
    """An inline word diff: removed words struck through, added ones highlighted.

    Word-level reads best at 80 columns (a side-by-side diff halves the width);
    words keep their trailing whitespace so line breaks survive and a bare
    space cannot anchor a match between unrelated words.
    """
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    if len(a) + len(b) > DIFF_TOKENS:
        a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    out = Text()
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(clean("".join(a[i1:i2])))
            continue
        removed = "".join(a[i1:i2])
        if removed:
            out.append(clean(removed), style="strike red")
            if j2 > j1 and not removed[-1].isspace():
                out.append(" ")  # keep the removed and the added word apart
        if j2 > j1:
            out.append(clean("".join(b[j1:j2])), style="bold green underline")
    if len(out) > 2 * DISPLAY_CHARS:
        out = out[: 2 * DISPLAY_CHARS]
        out.append("\n… diff cut for display", style="dim")
    return out
