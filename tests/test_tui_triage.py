"""The triage loop at 80x24: read an entry whole, decide with one key, move on.

Driven through the real app (`create_app`), asserted on the session and the screen.
"""

from __future__ import annotations

import errno
import json

from rolethread_tui.tui.app import create_app
from rolethread_tui.tui.screens.editor import EditorScreen
from rolethread_tui.tui.screens.reading import ReadingScreen
from rolethread_tui.tui.widgets.entry_list import EntryList, flag_marks

from .conftest import chat, clean_entry
from .tui_helpers import first_rows_held, open_screen, scan_held_midway, screen_text, settle


def long_entry(n: int) -> dict:
    """A conversation longer than one 80x24 screen, its last line unique."""
    reply = "\n".join(f"line {k} of a long reply number {n}" for k in range(40))
    return chat(("system", "sys"), ("user", f"question {n}"),
                ("assistant", reply + f"\nTHE END OF {n}"))


def notes(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [n.message for n in app._notifications]


async def test_cursor_row_stays_on_screen_after_G_pgdn_and_advancing(write):
    path = write([clean_entry(i) for i in range(305)])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        entries = app.screen.query_one(EntryList)
        for keys in (["G"], ["g", "pagedown"], ["g", *["a"] * 30], ["g", "pagedown", "pagedown"]):
            await pilot.press(*keys)
            await pilot.pause()
            top = round(entries.scroll_offset.y)
            assert top <= entries.cursor < top + entries.rows_shown, keys
            number = f"{entries.current + 1}"
            assert any(line.startswith("▶") and line[1:].split()[0] == number
                       for line in screen_text(app).splitlines()), keys


async def test_reading_view_reads_whole_entries_and_decides_with_one_key(write):
    path = write([long_entry(n) for n in range(5)])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(app, pilot, "z", ReadingScreen)
        assert "question 0" in screen_text(app) and "THE END OF 0" not in screen_text(app)
        await pilot.press("space", "space", "space")
        await pilot.pause()
        assert "THE END OF 0" in screen_text(app)  # paged to the end of the reply
        await pilot.press("a")  # decide: accepted, and the next entry is on screen
        await pilot.pause()
        assert app.session.row(0).status == "accepted"
        assert "question 1" in screen_text(app) and "Entry 2/5" in screen_text(app)
        await pilot.press("x", "2")
        await pilot.pause()
        assert app.session.row(1).status == "rejected"
        assert app.session.row(2).flags == ("repetitive",)
        await pilot.press("k")
        assert "Entry 2/5" in screen_text(app)
        await pilot.press("u")  # undo says what it undid, and shows that entry
        assert any(m.startswith("Undid: flag repetitive on entry 3") for m in notes(app))
        assert app.session.row(2).flags == ()
        await pilot.pause()
        assert "Entry 3/5" in screen_text(app)
        await pilot.press("z")
        await pilot.pause()
        assert not isinstance(app.screen, ReadingScreen)
        assert app.screen.query_one(EntryList).current == 2  # the list followed


async def test_reading_view_opens_the_editor_at_the_message_in_view(write):
    path = write([long_entry(0)])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("z", "space", "e")
        await settle(app, pilot)
        assert isinstance(app.screen, EditorScreen)
        assert app.screen.selected == 2  # the long assistant reply was in view


async def test_search_matches_are_highlighted_in_the_reading_view(write):
    path = write([chat(("user", "where is the lantern"), ("assistant", "The lantern glows."))])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"lantern", "enter")
        await settle(app, pilot)
        await pilot.press("z")
        await pilot.pause()
        body = app.screen.query_one("#reading-body").content
        spans = [body.plain[s.start:s.end] for s in body.spans if "reverse" in str(s.style)]
        assert spans and all(s.lower() == "lantern" for s in spans)


async def test_new_entry_is_human_and_undoable(write):
    path = write([clean_entry(0)])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("N")
        await settle(app, pilot)
        assert isinstance(app.screen, EditorScreen)
        await pilot.press("o", *"Hello there", "ctrl+s", "o", *"General Kenobi", "ctrl+s")
        await pilot.press("escape")
        await settle(app, pilot)
        entry = app.session.entry(1)
        assert [m["content"] for m in entry["messages"]] == ["Hello there", "General Kenobi"]
        assert [m["role"] for m in entry["messages"]] == ["user", "assistant"]
        assert entry["_review"]["origin"] == "human"
        assert entry["_review"]["turns"] == ["human", "human"]
        assert app.session.row(1).origin == "human"
        assert app.screen.query_one(EntryList).current == 1
    s = app.session
    assert s.undo() and s.undo() and s.undo() and len(s) == 1


async def test_colon_goes_to_an_entry_and_digits_alone_toggle_flags(write):
    path = write([clean_entry(i) for i in range(40)])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("colon", "3", "2", "enter")
        await pilot.pause()
        entries = app.screen.query_one(EntryList)
        assert entries.current == 31
        top = round(entries.scroll_offset.y)
        assert top <= entries.cursor < top + entries.rows_shown
        await pilot.press("3")
        assert app.session.row(31).flags == ("out_of_character",)


async def test_reopening_puts_the_cursor_where_the_reviewer_left(write):
    path = write([clean_entry(i) for i in range(50)])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("colon", *"37", "enter", "q")
        await settle(app, pilot)
    again = create_app(path)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(again, pilot)
        await pilot.pause()
        assert again.screen.query_one(EntryList).current == 36


async def test_the_position_is_kept_once_the_cursor_rests_not_only_on_a_clean_exit(
        write, monkeypatch):
    """After a crash the file reopened where the app last ended cleanly: the position
    was written only then. Now it is written once the cursor rests on an entry."""
    from rolethread_tui.domain.state import last_position, load_state
    from rolethread_tui.tui.screens import list_screen

    monkeypatch.setattr(list_screen, "POSITION_KEPT_AFTER", 0.05)
    path = write([clean_entry(i) for i in range(50)])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("colon", *"37", "enter")
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()
        assert last_position(load_state(), path) == 36  # on disk while the app runs


async def test_editor_decides_and_moves_to_the_next_entry(write):
    path = write([clean_entry(i) for i in range(3)])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("e", "a", "greater_than_sign", "x", "1", "escape")
        await settle(app, pilot)
        assert app.session.row(0).status == "accepted"
        assert app.session.row(1).status == "rejected"
        assert app.session.row(1).flags == ("refusal",)
        assert app.screen.query_one(EntryList).current == 1  # the list follows the editor


async def test_a_journal_that_cannot_be_written_is_shown_and_the_app_lives(write, monkeypatch):
    path = write([clean_entry(i) for i in range(4)])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        journal = app.session.journal
        assert journal is not None

        def full(*_args: object) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(journal, "append_undo", full)
        monkeypatch.setattr(journal, "append_redo", full)
        monkeypatch.setattr(journal, "append_change", full)
        await pilot.press("u")  # undo: refused, said, nothing changed
        assert app.session.row(0).status == "accepted"
        await pilot.press("x")  # a decision on entry 2: refused the same way
        assert app.session.row(1).status == "unreviewed"
        await pilot.press("space", "B", "enter", "y")  # a bulk accept: refused, said
        await pilot.pause()
        assert app.session.row(0).status == "accepted"
        assert app.session.row(1).status == "unreviewed"
        assert sum("No space left on device" in m for m in notes(app)) >= 3
        assert app.is_running


def test_rows_show_which_flags_of_the_set_are_on():
    names = ["refusal", "repetitive", "out_of_character"]
    assert flag_marks(("refusal", "out_of_character"), names) == "⚑13"
    assert flag_marks(("typo",), names) == "⚑+"
    assert flag_marks((), names) == ""


async def test_hostile_note_and_tags_are_shown_literally_in_the_dialogs(write):
    entry = clean_entry(0)
    entry["_review"] = {"note": "\x1b]2;pwned\x07 [b]bold[/b]", "tags": ["\x1b[31mred", "[i]"]}
    path = write([entry])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        for key in ("n", "t"):
            await pilot.press(key)
            await pilot.pause()
            text = screen_text(app)
            assert "\x1b" not in text and "\x07" not in text
            assert "[b]bold[/b]" in text if key == "n" else "[i]" in text
            await pilot.press("escape")
            await pilot.pause()
    assert json.loads(path.read_text())["_review"]["note"].startswith("\x1b]2;")


async def test_a_rebound_key_shows_in_the_footer_and_help_where_it_was(write, tmp_path):
    from rolethread_tui.domain import Config

    path = write([clean_entry(i) for i in range(3)])
    app = create_app(path, Config.model_validate({"keymap": {"accept": "y"}}))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert screen_text(app).splitlines()[-1].lstrip().startswith("y Accept")
        await pilot.press("y")
        assert app.session.row(0).status == "accepted"
        assert app.key_table()[0][:2] == ("y", "Accept")


async def test_j_and_k_move_in_the_validation_summary(write):
    entries = [chat(("user", " hi "), ("assistant", "ok")), chat(("user", "x"))]
    path = write(entries)
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("v")
        await pilot.pause()
        picker = app.screen.query_one("Picker")
        assert picker.highlighted == 0
        await pilot.press("j")
        assert picker.highlighted == 1
        await pilot.press("k")
        assert picker.highlighted == 0


async def test_a_theme_picked_live_recolours_the_rows(write):
    path = write([clean_entry(i) for i in range(3)])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        entries = app.screen.query_one(EntryList)
        before = entries.render_line(0)
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        await pilot.pause()
        after = entries.render_line(0)
        assert before.text == after.text
        assert [s.style for s in before] != [s.style for s in after]


async def test_the_slop_lens_marks_rows_highlights_phrases_and_flags_from_insights(write):
    from .slopgen import make_batch

    batch = make_batch(200, planted_share=0.15, seed=3)
    planted = batch.planted
    path = write(batch.entries)
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        session = app.session
        assert session.slop_score(0) is not None  # the lens filled in after the scan
        report = session.slop()
        worst = report.ranked()[0]
        bars = [str(app.screen.query_one(EntryList).render_line(y).text)[8]
                for y in range(10)]
        assert any(b in "▁▂▃▄▅▆▇█" and b != " " for b in bars)
        assert worst in planted
        assert session.slop_score(worst) > 0 and session.slop_phrases(worst)
        await pilot.press("slash", *"order:slop", "enter")
        await settle(app, pilot)
        entries_widget = app.screen.query_one(EntryList)
        assert entries_widget.current == worst  # worst first
        await pilot.press("z")
        await pilot.pause()
        body = app.screen.query_one("#reading-body").content
        marked = {body.plain[s.start:s.end].lower() for s in body.spans
                  if "underline" in str(s.style)}
        assert marked  # the entry's repeated phrases are marked in its replies
        await pilot.press("z", "escape", "i")
        await settle(app, pilot)
        await pilot.pause()
        rows = app.screen.rows
        first = next(k for k, r in enumerate(rows) if r.key.startswith("f:phrase:"))
        app.screen.query_one("FigureList").highlighted = first
        holders = report.phrase_entries(0)
        session.toggle_flag(holders[0], "repetitive", on=True)  # one holder already was
        await pilot.press("R")
        await pilot.pause()
        assert all("repetitive" in session.row(p).flags for p in holders)
        assert any(n.message.startswith(f"Flagged {len(holders) - 1:,} entries repetitive "
                                        "(1 already was)") for n in app._notifications)
        await pilot.press("enter")
        await settle(app, pilot)
        assert sorted(app.screen.query_one(EntryList).view) == holders
        assert session.undo()
        assert [p for p in holders if "repetitive" in session.row(p).flags] == holders[:1]


async def test_near_duplicates_side_by_side_with_the_differences_marked(write):
    base = clean_entry(1)
    copy = json.loads(json.dumps(base))
    copy["messages"][2]["content"] = copy["messages"][2]["content"].replace("North", "South")
    other = chat(("user", "What is the tallest mountain on the moon?"),
                 ("assistant", "Mons Huygens rises about 5.5 km above the surrounding mare."))
    path = write([other, base, copy])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("D")
        await settle(app, pilot)
        await pilot.pause()
        await pilot.press("colon", "2", "enter", "equals_sign")
        await pilot.pause()
        text = screen_text(app)
        assert "Entry 2" in text and "vs" in text and "entry 3" in text
        left = app.screen.query_one("#left-body").content
        marked = {left.plain[s.start:s.end] for s in left.spans if "underline" in str(s.style)}
        assert "North" in "".join(marked) and "lighthouse" not in "".join(marked)
        await pilot.press("escape", "colon", "1", "enter", "equals_sign")
        await pilot.pause()
        assert any("no duplicate found" in m for m in notes(app))


async def test_remapping_a_motion_once_moves_on_every_screen(write):
    from rolethread_tui.domain import Config

    path = write([long_entry(n) for n in range(3)])
    app = create_app(path, Config.model_validate({"keymap": {"cursor_down": "ctrl+n"}}))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+n")
        assert app.screen.query_one(EntryList).current == 1
        await pilot.press("e", "ctrl+n")
        await pilot.pause()
        assert app.screen.selected == 1  # the editor's next message
        await pilot.press("escape", "z", "ctrl+n")
        await pilot.pause()
        assert "Entry 3/3" in screen_text(app)  # the reading view's next entry


async def test_another_tools_metadata_is_shown_read_only_where_a_reviewer_reads(write):
    entry = clean_entry(0)
    entry["_rolethread"] = {"entry_uuid": "3f2b8c1e-4a5d-4e6f-9a7b-1c2d3e4f5a6b",
                            "v": "\x1b[31m[b]2[/b]"}
    path = write([entry])
    before = path.read_bytes()
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        for keys in (["z"], ["escape", "enter"]):  # the reading view, then the editor
            await pilot.press(*keys)
            await pilot.pause()
            text = screen_text(app)
            assert "_rolethread (read-only)" in text and "3f2b8c1e-4a5d" in text, keys
            assert "\x1b" not in text
            if keys == ["z"]:  # the editor's header cuts the line at the width
                assert "[b]2[/b]" in text
    assert path.read_bytes() == before


async def test_a_new_entry_left_empty_is_dropped_and_one_with_a_note_kept(write):
    """`N` then `esc` left an empty entry (a `no-messages` error) in the file; an
    empty new message in the editor was already dropped the same way."""
    path = write([clean_entry(0), clean_entry(1)])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("N")
        await settle(app, pilot)
        assert isinstance(app.screen, EditorScreen) and len(app.session) == 3
        await pilot.press("escape")
        await settle(app, pilot)
        assert len(app.session) == 2 and not app.session.dirty
        assert "Empty new entry dropped." in notes(app)
        # back on the entry it was on (it was left one further down each time: QA)
        assert app.screen.query_one(EntryList).current == 0
        await pilot.press("N")
        await settle(app, pilot)
        await pilot.press("n", *"to write later", "enter", "escape")
        await settle(app, pilot)
        added = [app.session.entry(i) for i in range(3) if "_review" in app.session.entry(i)]
        assert len(app.session) == 3 and added[0]["_review"]["note"] == "to write later"
    assert app.session.undo() and app.session.undo() and len(app.session) == 2


async def test_undo_and_redo_with_nothing_to_do_say_so_in_words(write):
    app = create_app(write([clean_entry(0)]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("u", "ctrl+r")
        await pilot.pause()
        assert {"Nothing to undo.", "Nothing to redo."} <= set(notes(app))  # not "undi"


async def test_a_move_before_the_scan_reaches_the_last_position_keeps_the_cursor(
        write, monkeypatch):
    """Reopening goes back to where the reviewer left the file, once the scan has
    read that far; on a big file that took seconds, and a reviewer who had started
    with `j j` saw the cursor jump to entry 30000, where their next `a` then landed."""
    from rolethread_tui.domain import store
    from rolethread_tui.domain.state import (
        last_position,
        load_state,
        remember_file,
        remember_position,
        save_state,
    )
    from rolethread_tui.tui.app import RoleThreadApp

    monkeypatch.setattr(store, "FIRST_CHUNK", 8 << 10)  # ~25 entries before the hold
    path = write([clean_entry(i) for i in range(600)])
    state = load_state()
    remember_file(state, path)  # positions are kept for the recent files
    remember_position(state, path, 500)
    save_state(state)
    held: list[RoleThreadApp] = []
    release = RoleThreadApp.first_rows_drawn
    monkeypatch.setattr(RoleThreadApp, "first_rows_drawn", lambda self: held.append(self))
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await first_rows_held(pilot, held)
        entries = app.screen.query_one(EntryList)
        await pilot.press("j", "j")
        for _ in range(200):  # typed-ahead keys are handled one after another
            if entries.current == 2:
                break
            await pilot.pause()
        release(app)
        await settle(app, pilot)
        assert len(app.session) == 600
        assert entries.current == 2 and "3/600" in screen_text(app)

    state = load_state()
    assert last_position(state, path) == 2  # where this session ended
    remember_position(state, path, 500)
    save_state(state)
    app = create_app(path)  # nothing pressed: the cursor goes back there
    async with app.run_test(size=(80, 24)) as pilot:
        await first_rows_held(pilot, held, 2)
        release(app)
        await settle(app, pilot)
        assert app.screen.query_one(EntryList).current == 500


async def test_the_slop_bars_come_back_after_an_edit(write):
    """An edit made the lens stale and every row lost its bar until `order:slop` (QA):
    the lens is computed again once the edits pause."""
    from .slopgen import make_batch

    path = write(make_batch(200, planted_share=0.15, seed=3).entries)
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        session = app.session
        entries = app.screen.query_one(EntryList)

        def bars() -> list[str]:
            return [str(entries.render_line(y).text)[8] for y in range(10)]

        before = bars()
        assert any(b in "▁▂▃▄▅▆▇█" for b in before)
        session.edit_message(5, 1, "A reply written again by hand.")
        await pilot.pause()
        assert not session.slop_ready()
        screen = app.screen
        assert screen._slop_timer is not None  # armed: the count waits for a pause
        screen._slop_timer.stop()
        screen._slop_when_idle()  # what the timer runs once the edits pause
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert session.slop_ready()
        assert session.slop_score(0) is not None
        assert any(b in "▁▂▃▄▅▆▇█" for b in bars())


async def test_the_counts_follow_the_scan_before_it_ends(write, monkeypatch):
    """The status bar's counts were those of the first rows until the scan ended
    (QA: "1/12534  loading 13%  ·120" at 100k): they are counted again, once a
    second, while rows come in."""
    from rolethread_tui.tui.screens import list_screen

    go_on, published = scan_held_midway(monkeypatch)
    monkeypatch.setattr(list_screen, "SCAN_RECOUNT", 0.01)
    path = write([clean_entry(i) for i in range(600)])
    app = create_app(path)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            while len(published) < 3:  # bounded: the scan's third landing
                await pilot.pause()
            shown = published[1]  # landed and published before the hold
            for _ in range(200):
                if f"·{shown} " in screen_text(app):
                    break
                await pilot.pause()
            assert app.session.scanning and len(app.session) == shown
            assert f"·{shown} " in screen_text(app), screen_text(app).splitlines()[-2]
            go_on.set()
            await settle(app, pilot)
            assert "·600 " in screen_text(app)
    finally:
        go_on.set()
