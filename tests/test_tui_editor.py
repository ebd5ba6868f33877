"""The entry editor, driven headlessly at 80x24 the way a reviewer uses it.

A tiny host app opens the session and pushes the editor on mount, so each
test exercises the real screen, keys and Footer, and checks the session (and
the saved bytes) afterwards.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App

from rolethread_tui import Session
from rolethread_tui.tui.app import RoleThreadApp
from rolethread_tui.tui.screens.editor import EditorResult, EditorScreen, MessageView

from .conftest import chat, clean_entry
from .tui_helpers import screen_text, settle

MARKUP = "[bold]x[/] [link=https://evil.example]click[/link] \x1b[31mred\x1b[0m"


class Host(App[None]):
    """Pushes the editor on mount and keeps what it dismissed with."""

    CSS_PATH = RoleThreadApp.CSS_PATH  # the screen's layout lives in the app's stylesheet

    def __init__(self, session: Session, index: int = 0) -> None:
        super().__init__()
        self.session = session
        self.index = index
        self.result: EditorResult | str | None = "pending"

    def on_mount(self) -> None:
        self.push_screen(EditorScreen(self.session, self.index), self._done)

    def _done(self, result: EditorResult | None) -> None:
        self.result = result


def open_session(path: Path) -> Session:
    session = Session.open(path)
    session.wait()
    return session


async def run(path: Path, *keys: str, index: int = 0) -> tuple[Host, Session]:
    """Open the editor on entry `index`, press keys, return host and session."""
    session = open_session(path)
    app = Host(session, index)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press(*keys)
        await settle(app, pilot)
    return app, session


def typed(text: str) -> list[str]:
    """Key presses that type `text`."""
    return ["space" if c == " " else c for c in text]


# ---------------------------------------------------------------- editing text
async def test_edit_message_is_one_refined_undo_step(write):
    path = write([clean_entry()])
    before = path.read_bytes()
    old = clean_entry()["messages"][2]["content"]
    app, s = await run(path, "j", "j", "e", "end", *typed(" Bring rope."), "ctrl+s", "escape")
    assert app.result == EditorResult(changed=True, split_at=None)
    entry = s.entry(0)
    assert entry["messages"][2]["content"] == old + " Bring rope."
    review = entry["_review"]
    assert review["turns"][2] == "refined"
    assert review["turns"][:2] == ["generated", "generated"]
    assert review["original"] == {"2": old}
    assert review["origin"] == "refined"
    assert s.undo() is True
    assert s.undo() is False  # the edit was ONE op, journaled when applied
    s.save()
    assert path.read_bytes() == before


async def test_unchanged_text_and_plain_visit_change_nothing(write):
    path = write([clean_entry()])
    app, s = await run(path, "e", "ctrl+s", "escape")
    assert app.result == EditorResult(changed=False)
    assert not s.dirty


async def test_edit_then_revert_restores_the_text_and_each_is_one_step(write):
    path = write([clean_entry()])
    before = path.read_bytes()
    old = clean_entry()["messages"][2]["content"]
    _app, s = await run(path, "j", "j", "e", *typed("xx"), "ctrl+s", "R", "q")
    entry = s.entry(0)
    assert entry["messages"][2]["content"] == old
    assert entry["_review"]["turns"][2] == "generated" and "original" not in entry["_review"]
    assert s.undo_label == "revert message 2 of entry 1"
    assert s.undo() and s.undo() and not s.undo()
    s.save()
    assert path.read_bytes() == before


async def test_undo_and_redo_in_the_editor_move_one_edit_and_say_which(write):
    path = write([clean_entry()])
    session = open_session(path)
    app = Host(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, EditorScreen)
        await pilot.press("j", "e", *typed("!"), "ctrl+s", "r")
        assert session.entry(0)["messages"][1]["role"] == "assistant"
        assert len(session.history.labels()) == 2  # each applied edit is journaled at once
        await pilot.press("ctrl+z")
        assert screen.messages[1]["role"] == "user"
        messages = [n.message for n in app._notifications]
        assert "Undid: role of message 1 of entry 1" in messages
        await pilot.press("ctrl+y")
        assert screen.messages[1]["role"] == "assistant"
        await pilot.press("u", "u", "escape")
        await settle(app, pilot)
    assert app.result == EditorResult(changed=False)
    assert not session.dirty


# ---------------------------------------------------------------- structure
async def test_role_cycles_system_user_assistant(write):
    path = write([clean_entry()])
    app, s = await run(path, "j", "r", "j", "r", "escape")
    messages = s.entry(0)["messages"]
    assert messages[1]["role"] == "assistant"  # user -> assistant
    assert messages[2]["role"] == "system"  # assistant -> system
    assert s.entry(0)["_review"]["turns"][1:3] == ["refined", "refined"]
    assert app.result.changed


async def test_sharegpt_role_keeps_its_vocabulary(write):
    path = write([{"conversations": [{"from": "human", "value": "hi"},
                                     {"from": "gpt", "value": "hello"}]}])
    _, s = await run(path, "r", "escape")
    assert s.entry(0)["conversations"][0]["from"] == "gpt"


async def test_add_delete_move_are_one_step_each(write):
    path = write([clean_entry()])
    before = path.read_bytes()
    keys = ["j"] * 4  # last message: assistant
    keys += ["o", *typed("One more question?"), "ctrl+s"]  # new user message, #5
    keys += ["k", "k", "k", "k", "d", "y"]  # delete #1 (the first user turn)
    keys += ["J"]  # move the selected (#1 now the old #2 assistant) down
    keys += ["O", "ctrl+s"]  # an added message left empty is dropped
    keys += ["escape"]
    app, s = await run(path, *keys)
    messages = s.entry(0)["messages"]
    roles = [m["role"] for m in messages]
    assert roles == ["system", "user", "assistant", "assistant", "user"]
    assert messages[-1]["content"] == "One more question?"
    assert messages[2]["content"].startswith("*Mira unrolls")
    turns = s.entry(0)["_review"]["turns"]
    assert turns == ["generated", "generated", "generated", "generated", "human"]
    assert s.entry(0)["_review"]["origin"] == "refined"
    assert s.undo() and s.undo() and s.undo() and not s.undo()  # add, delete, move
    s.save()
    assert path.read_bytes() == before
    assert app.result.changed


async def test_empty_conversation_gets_a_human_message(write):
    path = write([{"messages": [], "id": "e1"}])
    session = open_session(path)
    app = Host(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert "no messages: o adds one" in screen_text(app)
        await pilot.press("o", *typed("Hello?"), "ctrl+s", "escape")
        await settle(app, pilot)
    entry = session.entry(0)
    assert entry["messages"] == [{"role": "user", "content": "Hello?"}]
    assert entry["_review"]["turns"] == ["human"]
    assert entry["id"] == "e1"


async def test_delete_can_be_declined(write):
    path = write([clean_entry()])
    app, s = await run(path, "d", "n", "escape")
    assert app.result == EditorResult(changed=False)
    assert len(s.entry(0)["messages"]) == 5


# ---------------------------------------------------------------- provenance
def refined_entry() -> dict:
    entry = clean_entry()
    entry["messages"][2]["content"] = "A shorter reply."
    entry["_review"] = {"origin": "refined",
                        "turns": ["generated", "generated", "refined", "generated", "generated"],
                        "original": {"2": "The lighthouse glows over damp salt flats."}}
    return entry


async def test_diff_shows_the_original_text(write):
    path = write([refined_entry()])
    session = open_session(path)
    app = Host(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "j")
        assert "lighthouse glows" not in screen_text(app)
        await pilot.press("D")
        await settle(app, pilot)
        text = screen_text(app)
        assert "lighthouse glows" in text and "A shorter reply." in text
        await pilot.press("D")
        await settle(app, pilot)
        assert "lighthouse glows" not in screen_text(app)


async def test_diff_after_editing_in_the_editor(write):
    path = write([clean_entry()])
    session = open_session(path)
    app = Host(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "j", "e", "f7", *typed("Totally new words."), "ctrl+s", "D")
        await settle(app, pilot)
        text = screen_text(app)
        assert "damp map" in text and "Totally new words." in text


async def test_revert_restores_original(write):
    path = write([refined_entry()])
    app, s = await run(path, "j", "j", "R", "escape")
    entry = s.entry(0)
    assert entry["messages"][2]["content"] == "The lighthouse glows over damp salt flats."
    assert "original" not in entry["_review"]
    assert entry["_review"]["turns"][2] == "generated"
    assert entry["_review"]["origin"] == "generated"
    assert app.result.changed


async def test_revert_without_original_is_refused(write):
    path = write([clean_entry()])
    app, s = await run(path, "R", "escape")
    assert app.result == EditorResult(changed=False)
    assert not s.dirty


# ---------------------------------------------------------------- note, tags, split
async def test_note_and_tags(write):
    path = write([clean_entry()])
    keys = ["n", *typed("check tone"), "enter", "t", *typed("dark, long ,dark"), "enter",
            "escape"]
    _, s = await run(path, *keys)
    review = s.entry(0)["_review"]
    assert review["note"] == "check tone"
    assert review["tags"] == ["dark", "long"]
    assert "origin" not in review and "turns" not in review  # not a content edit


async def test_split_applies_pending_edits_first(write):
    path = write([clean_entry()])
    keys = ["j", "e", *typed(" Now."), "ctrl+s", "j", "j", "s"]
    app, s = await run(path, *keys)
    assert app.result == EditorResult(changed=True, split_at=3)
    assert len(s) == 2
    first, second = s.entry(0), s.entry(1)
    assert [m["role"] for m in first["messages"]] == ["system", "user", "assistant"]
    assert first["messages"][1]["content"].endswith(" Now.")
    assert [m["role"] for m in second["messages"]] == ["system", "user", "assistant"]
    assert second["messages"][1]["content"] == "Will you take me there?"


async def test_split_at_first_message_is_refused(write):
    path = write([clean_entry()])
    app, s = await run(path, "s", "escape")
    assert app.result == EditorResult(changed=False)
    assert len(s) == 1 and not s.dirty


# ---------------------------------------------------------------- raw lines
async def test_raw_line_is_shown_and_editable(write):
    path = write([clean_entry(), "{not json"])
    fixed = '{"messages": []}'
    session = open_session(path)
    app = Host(session, 1)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        assert "{not json" in text and "not valid JSON" in text
        await pilot.press("r", "d")  # structure keys do nothing on a raw line
        await pilot.press("e", "f7", *typed(fixed), "ctrl+s")
        await settle(app, pilot)
        text = screen_text(app)
        assert "0 messages" in text and "raw line" not in text  # now a conversation
        await pilot.press("escape")
        await settle(app, pilot)
    assert app.result == EditorResult(changed=True)
    assert session.line_bytes(1) == fixed.encode()
    assert session.entry(1) == {"messages": []}


async def test_raw_line_refuses_newlines(write):
    path = write(["{not json"])
    session = open_session(path)
    app = Host(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("e", "end", "x", "enter", "y", "ctrl+s")
        await settle(app, pilot)
        assert app.screen.has_class("-editing")  # refused: still editing
        await pilot.press("left", "backspace", "ctrl+s", "escape")
        await settle(app, pilot)
    assert app.result == EditorResult(changed=True)
    assert session.line_bytes(0) == b"{not jsonxy"


async def test_raw_line_untouched_is_not_converted(write):
    path = write(["[1, 2]", "{not json"])
    before = path.read_bytes()
    for index in (0, 1):
        app, s = await run(path, "e", "ctrl+s", "escape", index=index)
        assert app.result == EditorResult(changed=False)
        assert not s.dirty
    assert path.read_bytes() == before


# ---------------------------------------------------------------- safe display
async def test_markup_and_escapes_are_shown_literally(write):
    path = write([chat(("user", MARKUP), ("assistant", "ok"))])
    session = open_session(path)
    app = Host(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        assert "[bold]x[/]" in text
        assert "[link=https://evil.example]click[/link]" in text
        assert "\x1b" not in text and "␛[31m" in text
        await pilot.press("e")  # the TextArea must not emit ESC either
        await settle(app, pilot)
        text = screen_text(app)
        assert "[bold]x[/]" in text and "\x1b" not in text and "␛[31m" in text
        await pilot.press("escape", "escape")
        await settle(app, pilot)
    assert app.result == EditorResult(changed=False)
    assert session.entry(0)["messages"][0]["content"] == MARKUP


async def test_fits_80x24_with_long_message(write):
    long = " ".join(f"word{n}" for n in range(400))
    path = write([chat(("system", "sys"), ("user", "q"), ("assistant", long))])
    session = open_session(path)
    app = Host(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "j")
        await settle(app, pilot)
        lines = screen_text(app).split("\n")
        assert len(lines) == 24
        assert "esc Back" in lines[-1]
        view = list(app.screen.query(MessageView))[2]
        assert view.size.width <= 80 and view.size.height > 20  # wrapped, not cut
        await pilot.press("e")
        await settle(app, pilot)
        area = app.screen.query_one("#edit-area")
        assert area.size.height >= 16  # the TextArea gets most of the screen
        assert "word399" in area.text


async def test_a_huge_conversation_is_drawn_around_the_selection(write):
    turns = [("user" if k % 2 == 0 else "assistant", f"turn {k}") for k in range(5000)]
    path = write([chat(*turns)])
    session = open_session(path)
    app = Host(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert len(screen.query(MessageView)) <= 60  # not 5,000 widgets
        await pilot.press("G")
        await settle(app, pilot)
        assert screen.selected == 4999
        assert "turn 4999" in screen_text(app)
        await pilot.press("e", "end", *typed("!"), "ctrl+s")
        await settle(app, pilot)
    assert session.entry(0)["messages"][4999]["content"] == "turn 4999!"


async def test_editing_a_line_with_duplicate_keys_asks_first(write):
    line = '{"messages": [{"role": "user", "content": "hi"}, ' \
           '{"role": "assistant", "content": "a", "content": "b"}]}'
    path = write([line])
    session = open_session(path)
    app = Host(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "e")
        await pilot.pause()
        assert "repeats the keys content" in app.screen.question  # asked before editing
        await pilot.press("n")  # leave it: nothing opened, nothing changed
        await pilot.pause()
        assert not app.screen.has_class("-editing") and not session.dirty
        await pilot.press("e", "y", "end", "!", "ctrl+s")
        await settle(app, pilot)
    assert session.entry(0)["messages"][1]["content"] == "b!"
