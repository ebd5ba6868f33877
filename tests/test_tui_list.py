"""A reviewer's triage at 80x24, driven through the real app and checked in the file."""

from __future__ import annotations

import json

from rolethread_tui.tui.app import create_app
from rolethread_tui.tui.widgets.entry_list import EntryList

from .conftest import chat, clean_entry
from .tui_helpers import first_rows_held, screen_text, settle


async def test_full_triage_changes_only_touched_lines(write):
    lines = [json.dumps(clean_entry(i)) for i in range(8)]
    path = write(lines)
    before = path.read_bytes().split(b"\n")
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("a")            # accept entry 0, advance to 1
        await pilot.press("x")            # reject 1 → 2
        await pilot.press("w")            # needs work 2 → 3
        await pilot.press("1", "2")       # flags refusal + repetitive on 3
        await pilot.press("h")            # mark 3 refined
        await pilot.press("n")
        await pilot.press(*"too polite", "enter")
        await pilot.press("j", "j")       # to 5
        await pilot.press("a", "u")       # accept then undo
        assert app.session.row(5).status == "unreviewed"
        await pilot.press("ctrl+r")       # redo
        assert app.session.row(5).status == "accepted"
        await pilot.press("u")
        await pilot.press("s")
        await settle(app, pilot)
        assert not app.session.dirty
    after = path.read_bytes().split(b"\n")
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert changed == [0, 1, 2, 3]
    reviews = [json.loads(after[i])["_review"] for i in changed]
    assert [r.get("status") for r in reviews] == ["accepted", "rejected", "needs_work", None]
    assert reviews[3]["flags"] == ["refusal", "repetitive"]
    assert reviews[3]["origin"] == "refined" and reviews[3]["note"] == "too polite"
    assert all(r["by"] == "tester" and r["at"].endswith("Z") for r in reviews)


async def test_editor_edit_is_one_undo_step_and_provenance_is_recorded(write):
    path = write([clean_entry(0), clean_entry(1)])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")        # editor on entry 0, message 0 selected
        await pilot.press("j", "j", "e")  # message 2 (assistant): edit
        await pilot.press("ctrl+a", "ctrl+k")
        await pilot.press(*"Better.", "ctrl+s", "escape")
        await pilot.pause()
        entry = app.session.entry(0)
        assert entry["messages"][2]["content"].endswith("Better.")
        assert entry["_review"]["turns"][2] == "refined"
        assert entry["_review"]["original"]["2"] == clean_entry()["messages"][2]["content"]
        assert len(app.session.history.labels()) == 1
        await pilot.press("u")
        assert "_review" not in app.session.entry(0)


async def test_hostile_content_is_shown_literally(write):
    evil = chat(("user", "[bold red]boom[/] [link=http://x]click[/link] \x1b[31mred\x1b]0;t\x07"),
                ("assistant", "ok"))
    path = write([evil, "{not json [bold]"])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        shot = screen_text(app)
        assert "[bold red]boom[/]" in shot or "[bold red]boom[/" in shot
        assert "\x1b" not in "".join(app.screen.query_one(EntryList).render_line(0).text)
        await pilot.press("j")
        await pilot.pause()
        assert "not valid JSON" in screen_text(app)


async def test_quit_asks_when_there_are_unsaved_changes(write):
    path = write([clean_entry(0)])
    original = path.read_bytes()
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("a", "q")
        await pilot.pause()
        assert "unsaved changes" in screen_text(app)
        await pilot.press("escape")        # cancel: still running
        assert app.is_running
        await pilot.press("q", "d")        # discard and quit
        await pilot.pause()
    assert path.read_bytes() == original


async def test_help_lists_every_key(write):
    app = create_app(write([clean_entry(0)]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        ids = {row[2] for row in app.key_table()}
        for needed in ("accept", "reject", "needs_work", "toggle_flag_1", "mark_refined",
                       "undo", "redo", "save", "help", "quit", "cursor_down", "open_editor"):
            assert needed in ids
        assert ("1", "Flag 3: out_of_character", "toggle_flag_3")[1:] in [
            row[1:] for row in app.key_table()]  # the flag's name, not only its number
        await pilot.press("question_mark")
        await pilot.pause()
        assert "toggle_flag_9" in screen_text(app) or "Keys" in screen_text(app)


async def test_findings_panel_jump_and_fix_entry(write):
    messy = chat(("system", "Be Mira."), ("User", "hi there  "), ("assistant", "Hello\u200b!"))
    path = write([clean_entry(0), clean_entry(1), messy])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("right_square_bracket")          # next entry with findings
        await pilot.pause()
        assert app.screen.query_one(EntryList).current == 2
        text = screen_text(app)
        assert "unknown-role" in text and "hidden-characters" in text
        await pilot.press("F")
        await pilot.pause()
        assert "All safe fixes" in screen_text(app)          # shown before it is applied
        await pilot.press("enter")
        await pilot.pause()
        fixed = app.session.entry(2)
        assert [m["role"] for m in fixed["messages"]] == ["system", "user", "assistant"]
        assert fixed["messages"][2]["content"] == "Hello!"
        assert len(app.session.history.labels()) == 1
        await pilot.press("v")
        await pilot.pause()
        await pilot.pause()
        summary = screen_text(app)
        assert "Validation:" in summary and "short-response" in summary
        assert "unknown-role" not in summary                    # fixed
        await pilot.press("escape", "u")
        await pilot.pause()
        await pilot.press("v")
        await pilot.pause()
        await pilot.pause()
        assert "unknown-role" in screen_text(app)              # undone


async def test_palette_actions_goto_duplicates_and_export(write, tmp_path):
    entries = [clean_entry(i) for i in range(5)]
    entries[4] = entries[1]
    path = write(entries)
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await app.screen.run_action("goto(4)")
        assert app.screen.query_one(EntryList).current == 3
        await app.screen.run_action("find_duplicates")
        await settle(app, pilot)
        await settle(app, pilot)
        view = app.screen.query_one(EntryList).view
        assert view is not None and {1, 4} <= set(view)
        await app.run_action("export_prompt('status:unreviewed')")
        await pilot.pause()
        await pilot.press("c")                           # clean ChatML
        await pilot.pause()
        out = tmp_path / "out.jsonl"
        await pilot.press("ctrl+a", "ctrl+k", *str(out), "enter")
        await settle(app, pilot)
        before = path.read_bytes()
        await app.run_action("export_prompt(None)")  # over the file under review:
        await pilot.pause()
        await pilot.press("w", "ctrl+a", "ctrl+k", *str(path), "enter")
        await settle(app, pilot)
        assert "Overwrite it?" not in screen_text(app)  # refused before it is asked
        assert any("refusing to export over the file being read" in n.message
                   for n in app._notifications)
        assert path.read_bytes() == before
    lines = out.read_text().splitlines()
    assert len(lines) == 5 and all(set(json.loads(x)) == {"messages"} for x in lines)


async def test_a_failing_duplicate_search_is_reported_and_the_app_stays(write, monkeypatch):
    app = create_app(write([clean_entry(i) for i in range(5)]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)

        def broken(*_args: object) -> list:
            raise OSError("disk went away")

        monkeypatch.setattr(app.session, "find_duplicates", broken)
        await app.screen.run_action("find_duplicates")
        await settle(app, pilot)
        assert app.is_running
        assert any("disk went away" in str(n.message) for n in app._notifications)
        await pilot.press("j")
        assert app.screen.query_one(EntryList).current == 1


async def test_the_list_follows_the_scan_without_laying_the_screen_out_again(write, monkeypatch):
    """Scan progress moves the scrollbar only (`EntryList.grow`): the rows on screen
    stay as rendered; a filtered view or a wider number column (999 → 1,000) renders
    them again; at the end every entry is there to reach."""
    from rolethread_tui.domain import store

    monkeypatch.setattr(store, "CHUNK", 8 << 10)  # a chunk of ~25 entries: many events
    monkeypatch.setattr(store, "FIRST_CHUNK", 8 << 10)
    reloads = []
    real_reload = EntryList.reload
    monkeypatch.setattr(EntryList, "reload", lambda self: reloads.append(self.count)
                        or real_reload(self))
    path = write([json.dumps(clean_entry(i)) for i in range(2500)])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        entries = app.screen.query_one(EntryList)
        assert entries.virtual_size.height == 2500
        assert entries.vertical_scrollbar.window_virtual_size == 2500
        assert "   1 " in screen_text(app) and "1/2500" in screen_text(app)

        reloads.clear()
        rendered = len(entries._cache)
        entries.grow()  # nothing new: nothing to do
        assert reloads == [] and len(entries._cache) == rendered
        with monkeypatch.context() as more:  # 500 more published, none on screen changed
            more.setattr(EntryList, "count", property(lambda self: 3000))
            entries.grow()
            assert reloads == [] and len(entries._cache) == rendered
            assert entries.virtual_size.height == 3000
            assert entries.vertical_scrollbar.window_virtual_size == 3000
            assert entries.max_scroll_y == 3000 - entries.rows_shown  # `G` can reach it
        entries.grow()  # back to the 2500 there are
        entries._digits = 3  # as if the last rows drawn were numbered up to 999
        entries.grow()
        assert reloads == [2500]
        entries.set_view([0, 1, 2])
        reloads.clear()
        entries.grow()
        assert reloads == [3]
        entries.set_view(None)
        await pilot.press("G")
        await pilot.pause()
        assert "2500 " in screen_text(app) and "2500/2500" in screen_text(app)


async def test_lines_that_are_json_but_not_objects_show_as_json(write):
    """A bare array, a string or null on a line: the list and the preview showed
    Python's view of them (`None`, `'text'`, `[{'role': …`, "(NoneType)")."""
    path = write(['[{"role": "user", "content": "a bare array"}]', '"just a string"', "null",
                  json.dumps(clean_entry(0))])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        shot = screen_text(app)
        assert '[{"role": "user", "content": "a bare array"}]' in shot
        assert '"just a string"' in shot and "null" in shot
        assert "None" not in shot and "'" not in shot.split("\n─")[0]
        for kind in ("array", "string", "null"):
            assert f"not a JSON object ({kind})" in screen_text(app)
            await pilot.press("j")
            await pilot.pause()


async def test_the_reading_views_fixes_hint_works_there_too(write):
    """The findings in the reading view say "[F fixes]"; `F` did nothing there."""
    messy = chat(("system", "Be Mira."), ("User", "hi there  "), ("assistant", "Hello\u200b!"))
    app = create_app(write([clean_entry(0), messy]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "z")
        await settle(app, pilot)
        assert "[F fixes]" in screen_text(app)
        await pilot.press("F")
        await pilot.pause()
        assert "All safe fixes" in screen_text(app)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.session.entry(1)["messages"][2]["content"] == "Hello!"
        assert "[F fixes]" not in screen_text(app)  # the view shows the fixed entry


async def test_help_names_each_flag_key_and_shows_a_flag_name_literally(write):
    from rolethread_tui.domain import Config

    config = Config(flags=["[bold]loud[/bold]", "tone"])
    app = create_app(write([clean_entry(0)]), config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        for _ in range(20):  # the flag keys are at the end of the table
            if "Flag 2: tone" in screen_text(app):
                break
            await pilot.press("pagedown")
            await pilot.pause()
        text = screen_text(app)
        assert "Flag 1: [bold]loud[/bold]" in text and "Flag 2: tone" in text



async def test_the_sidebar_says_when_it_cuts_a_reviewer_or_flag_name(write, monkeypatch):
    """A long reviewer name was cut with nothing to say so ("Seed 6dfd359d / mainta"),
    and wrapped past the sidebar's edge; now the cut ends in "…" and fits."""
    from rolethread_tui.domain import Config

    monkeypatch.setenv("ROLETHREAD_REVIEWER", "Seed 6dfd359d / maintainer-of-things")
    app = create_app(write([clean_entry(0)]), Config(flags=["out_of_character_and_more", "tone"]))
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        await pilot.press("f")
        await pilot.pause()
        text = screen_text(app)
        assert "Reviewer Seed 6dfd359d / …" in text and "out_of_characte…" in text
        assert "□ tone" in text


async def test_G_during_the_scan_goes_to_the_files_end_as_it_comes_in(write, monkeypatch):
    """`G` while the scan still read the file went to the last entry indexed so far and
    stayed there (QA): it follows the end until the reviewer moves elsewhere."""
    from rolethread_tui.domain import store
    from rolethread_tui.tui.app import RoleThreadApp

    monkeypatch.setattr(store, "CHUNK", 8 << 10)  # many chunks
    monkeypatch.setattr(store, "FIRST_CHUNK", 8 << 10)
    held: list[RoleThreadApp] = []
    release = RoleThreadApp.first_rows_drawn
    monkeypatch.setattr(RoleThreadApp, "first_rows_drawn", lambda self: held.append(self))
    path = write([json.dumps(clean_entry(i)) for i in range(1500)])
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await first_rows_held(pilot, held)
        entries = app.screen.query_one(EntryList)
        assert len(app.session) < 1500
        await pilot.press("G")
        release(app)
        await settle(app, pilot)
        assert entries.current == 1499 and "1500/1500" in screen_text(app)


async def test_the_status_bar_names_the_output_a_save_goes_to(write, tmp_path):
    """With `-o OUT` the bar showed only the source's name, as if a save wrote it (QA)."""
    path = write([clean_entry(i) for i in range(3)])
    app = create_app(path, output=tmp_path / "reviewed.jsonl")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert f"{path.name} → reviewed.jsonl" in screen_text(app)
    app = create_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert f"{path.name} →" not in screen_text(app)


async def test_a_toast_leaves_the_status_bar_readable(write):
    """After a bulk undo the counts seemed ~3 s late (QA): they were on time, under the
    "Undid: …" toast, which Textual stacks just above the footer — on the status bar."""
    app = create_app(write([clean_entry(i) for i in range(5)]))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("a", "u")
        await settle(app, pilot)
        lines = screen_text(app).splitlines()
        assert any("Undid" in line for line in lines)  # the toast is up
        status = lines[-2]  # the status bar, above the footer
        assert "✓0 ✗0 ~0 ·5" in status and "G5 R0 H0" in status


async def test_the_fix_picker_shows_each_finding_whole(write):
    """Labels were cut at 54 characters: "U+202E RIGHT-TO-LEFT OVE" (QA pass)."""
    reply = "Hello \u202e there \u200b you, how are you doing today my friend?"
    app = create_app(write([chat(("user", "hi there friend"), ("assistant", reply))]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("F")
        await pilot.pause()
        from textual.widgets import OptionList

        label = app.screen.query_one(OptionList).get_option_at_index(1).prompt
        assert str(label).endswith("U+202E RIGHT-TO-LEFT OVERRIDE, U+200B ZERO WIDTH SPACE")
        assert "OVERRIDE, U+200B" in " ".join(screen_text(app).split())  # wrapped, whole
