"""Hidden characters in the editor's text box: each kind its own glyph, each one named.

The text box cannot show ⟨RLO⟩ the way the list and the preview do (its cursor
columns are the document's, one cell per character), so it draws each hidden
character as the one-cell glyph of its kind — ⇄ bidi control, ◌ zero-width, a
control picture or ␦ other control — and the line under its title names the
one under the cursor. The characters themselves are edited and saved as they are.
"""

from __future__ import annotations

import json

from rolethread_tui.tui.safe_text import clean, hidden_kind, one_cell
from rolethread_tui.tui.screens.editing import SafeTextArea

from .conftest import chat
from .test_tui_editor import Host, open_session
from .tui_helpers import screen_text, settle

#: One of each, between letters: (character, its glyph in the box, its name's tail).
HIDDEN = [
    ("\u202e", "⇄", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("\u202c", "⇄", "U+202C POP DIRECTIONAL FORMATTING"),
    ("\u200b", "◌", "U+200B ZERO WIDTH SPACE"),
    ("\u200d", "◌", "U+200D ZERO WIDTH JOINER"),
    ("\u2066", "⇄", "U+2066 LEFT-TO-RIGHT ISOLATE"),
    ("\u2069", "⇄", "U+2069 POP DIRECTIONAL ISOLATE"),
    ("\u200f", "⇄", "U+200F RIGHT-TO-LEFT MARK"),
    ("\u061c", "⇄", "U+061C ARABIC LETTER MARK"),
    ("\ufeff", "◌", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
    ("\u00ad", "◌", "U+00AD SOFT HYPHEN"),
    ("\U000e0041", "◌", "U+E0041 TAG LATIN CAPITAL LETTER A"),  # smuggles an "A"
    ("\x1b", "␛", "U+001B ESCAPE"),
    ("\x9b", "␦", "U+009B C1 CONTROL"),  # CSI: an escape in one byte
    ("\x7f", "␡", "U+007F DELETE"),
]
LETTERS = "ABCDEFGHIJKLMNOP"
TEXT = LETTERS[0] + "".join(c + LETTERS[n + 1] for n, (c, _, _) in enumerate(HIDDEN))
DRAWN = LETTERS[0] + "".join(g + LETTERS[n + 1] for n, (_, g, _) in enumerate(HIDDEN))
RAW = {c for c, _, _ in HIDDEN}


def _write_raw(tmp_path, text: str):
    """A one-entry file with the characters as UTF-8 (not \\u escapes), as a file
    from another tool may hold them."""
    path = tmp_path / "hidden.jsonl"
    record = chat(("user", text), ("assistant", "ok"))
    path.write_bytes(json.dumps(record, ensure_ascii=False).encode() + b"\n")
    return path


def _host(path):  # type: ignore[no-untyped-def]
    """The editor's host app on a session of `path`."""
    return Host(open_session(path))


async def test_each_kind_has_its_glyph_and_the_cursor_names_each_one(tmp_path):
    app = _host(_write_raw(tmp_path, TEXT))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        shown = screen_text(app)
        assert DRAWN in shown and not RAW & set(shown)
        assert "⚠ hidden: ⇄ 6 bidi · ◌ 5 zero-width · ␦ 3 control" in shown
        area = app.screen.query_one("#edit-area", SafeTextArea)
        styles = {g: s for s, g in _row(area) if g in "⇄◌␦␛"}
        letter = next(s for s, g in _row(area) if g == "A")
        assert len({styles["⇄"], styles["◌"], styles["␦"], letter}) == 4  # a literal ⇄: plain
        await pilot.press("home")  # the cursor on each hidden character in turn
        for char, _, name in HIDDEN:
            await pilot.press("right")
            await settle(app, pilot)
            assert area.document.get_line(0)[area.cursor_location[1]] == char
            shown = screen_text(app)
            assert f"cursor on {clean(char)} {name}" in shown, (name, shown)
            assert not RAW & set(shown)
            await pilot.press("right")
        await pilot.press("ctrl+s", "escape")
        await settle(app, pilot)
    assert app.session.entry(0)["messages"][0]["content"] == TEXT
    assert not app.session.dirty


def _row(area: SafeTextArea, y: int = 0) -> list[tuple[object, str]]:
    """(style, character) of each drawn cell of the text box's row `y`."""
    return [(seg.style, ch) for seg in area.render_line(y) for ch in seg.text]


async def test_an_untouched_visit_and_an_edit_keep_every_character(tmp_path):
    path = _write_raw(tmp_path, TEXT)
    before = path.read_bytes()
    app = _host(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("e", "ctrl+s")  # open the text box, change nothing, done
        await settle(app, pilot)
        assert not app.session.dirty
        app.session.save()
        assert path.read_bytes() == before
        await pilot.press("e", "end", "X", "ctrl+s")  # type at the end: the rest stays
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
    app.session.save()
    assert app.session.entry(0)["messages"][0]["content"] == TEXT + "X"
    assert json.loads(path.read_bytes())["messages"][0]["content"] == TEXT + "X"


async def test_wrapped_rows_lose_no_character_to_the_stand_ins(tmp_path):
    """Textual counts a zero-width character as 0 cells; its ◌ takes 1. Wrapped on
    the raw text, each row would overflow the box and its last letters be cut."""
    text = ("\u200b" * 10 + "abcdefghij") * 12  # no space: folded at the width
    app = _host(_write_raw(tmp_path, text))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        area = app.screen.query_one("#edit-area", SafeTextArea)
        box = "".join(row for row in screen_text(app).split("\n") if row.startswith("▊"))
        assert box.count("◌") == 120 and sum(map(box.count, "abcdefghij")) == 120
        rows = ["".join(ch for _, ch in _row(area, y)).rstrip() for y in range(4)]
        assert "".join(rows) == text.replace("\u200b", "◌")
        assert all(len(row) <= area.content_size.width for row in rows)
        await pilot.press("left", "right")  # the cursor placed at this width
        x, _ = area.cursor_screen_offset  # the terminal cursor: right after the last ◌…j
        assert x == area.content_region.x + len(rows[-1])


def test_the_list_and_preview_name_what_the_hidden_characters_check_flags():
    """Soft hyphens, tag characters ("ASCII smuggling") and the other invisible format
    characters `hidden-characters` flags are named too, not passed to the terminal."""
    assert clean("a\u00adb \U000e0048\U000e0069 \u2062\u180e\ufff9") == (
        "a⟨SHY⟩b ⟨TAG H⟩⟨TAG i⟩ ⟨2062⟩⟨MVS⟩⟨FFF9⟩")


def test_every_character_the_check_flags_is_shown_visibly():
    """safe_text and validation/hidden.py must not drift apart: what the check calls
    hidden never reaches the terminal as it is (lone surrogates are shown escaped
    before they reach `clean`; ZWJ/ZWNJ are flagged only out of place, named always)."""
    from rolethread_tui.domain.validation.hidden import HIDDEN_RE

    flagged = [chr(c) for c in range(0x110000)
               if not 0xD800 <= c < 0xE000 and HIDDEN_RE.fullmatch(chr(c))]
    assert len(flagged) > 200
    assert [c for c in flagged if clean(c) == c] == []
    assert all(len(one_cell(c)) == 1 and hidden_kind(c) for c in flagged)
