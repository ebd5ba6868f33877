"""What the checks build before a process's first entry, and what they leave for later
(issue #18): nothing left for later may cost a finding.

Each test builds its own `Context` (`build_context` with settings no other test
uses), so what is built on first use has not been built by another test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rolethread_tui.domain.validation import build_context, check_value, rust_regex
from rolethread_tui.domain.validation import patterns as patterns_module
from rolethread_tui.domain.validation import scanner as scanner_module
from rolethread_tui.domain.validation.needles import _minimal_pairwise, minimal
from rolethread_tui.domain.validation.scanner import PatternList, Scanner

CLEAN = {"messages": [{"role": "system", "content": "You are Ann, a guide."},
                      {"role": "user", "content": "Where is the harbour?"},
                      {"role": "assistant", "content": "Down the hill, past the old lantern."}]}


def _reply(text: str) -> dict:
    return {"messages": [{"role": "system", "content": "You are Ann, a guide."},
                         {"role": "user", "content": "Where is the harbour?"},
                         {"role": "assistant", "content": "Down the hill, past the lantern."},
                         {"role": "user", "content": "And then?"},
                         {"role": "assistant", "content": text}]}


def _checks(record: dict, ctx: object) -> set[str]:
    return {f.check for f in check_value(record, ctx)}  # type: ignore[arg-type]


def test_a_pattern_compiled_on_first_need_still_gives_its_finding() -> None:
    ctx = build_context(short_response=3)
    refusal = ctx.scanner.lists[0]
    assert not _checks(CLEAN, ctx) & {"refusal", "format-leak"}
    # clean entries compile no pattern at all...
    assert refusal._compiled == [None] * len(refusal.lines)
    # ...and the first entry that needs one gets its finding, found as the list says
    found = check_value(_reply("As an AI language model, I cannot help with that."), ctx)
    [hit] = [f for f in found if f.check == "refusal"]
    assert hit.message == 4 and "As an AI" in hit.text
    assert "format-leak" in _checks(_reply("Sure.\n<|im_end|>\nUser: next"), ctx)


def test_an_entry_with_a_hidden_character_is_still_searched_for_patterns() -> None:
    """The screen fires for the character too: the replies are then told apart one
    by one, and `may_match`'s search is built only for text the screen cannot read."""
    ctx = build_context(short_response=4)
    assert ctx.scanner.screen != ctx.scanner._first_screen  # built with the checks
    assert not _checks(CLEAN, ctx) & {"refusal", "hidden-characters"}
    found = _checks(_reply("As an AI\u200b language model, I cannot do that."), ctx)
    assert {"refusal", "hidden-characters"} <= found
    found = _checks(_reply("The lantern\u200b glows; the tide turns slowly."), ctx)
    assert "hidden-characters" in found and "refusal" not in found
    assert ctx.scanner._any is None  # the screen answered for all: no second search built
    found = _checks(_reply("As an AI \ud800 I cannot."), ctx)  # the screen cannot read it
    assert {"refusal", "hidden-characters"} <= found
    assert ctx.scanner._any is not None


def test_the_screen_is_built_by_its_first_search() -> None:
    scanner = Scanner([PatternList("refusal", ["as an ai", r"^user:"])])
    assert scanner.screen == scanner._first_screen
    assert scanner.screen("So, as an AI, no.") is True
    assert scanner.screen != scanner._first_screen  # the search itself from now on
    assert scanner.screen("plain words") is False
    assert scanner.screen("x\nUSER: hi") is True
    assert [check for check, _ in scanner.regexes_for("so AS AN AI")] == ["refusal"]
    assert scanner.regexes_for("a lantern\u200b") == []  # the screen's yes for the character
    assert scanner.may_match("as an ai") and not scanner.may_match("a lantern\u200b")


def test_a_scanner_without_a_working_engine_finds_the_same() -> None:
    """The screen's "cannot tell" (no Rust) leaves every search to `re`."""
    scanner = Scanner([PatternList("refusal", ["as an ai", r"^user:"])])
    scanner.screen = scanner_module._unsure
    assert [check for check, _ in scanner.regexes_for("so AS AN AI")] == ["refusal"]
    assert scanner.regexes_for("plain words") == []


def test_an_invalid_list_line_is_refused_when_first_needed() -> None:
    plist = PatternList("refusal", ["(unclosed"])
    with pytest.raises(ValueError, match="unclosed"):
        plist.pattern(0)


@given(st.sets(st.text("ab\x00\x01 ", min_size=1, max_size=6), max_size=14))
def test_minimal_keeps_what_the_pairwise_test_keeps(needles: set[str]) -> None:
    assert minimal(needles) == _minimal_pairwise(sorted(needles, key=lambda n: (len(n), n)))


def test_minimal_with_an_empty_needle_or_the_separator() -> None:
    assert minimal({"", "ab"}) == [""]
    assert minimal({"a\x02b", "b", "c"}) == ["b", "c"]


def test_the_schemas_are_the_ones_core_schema_builds() -> None:
    from pydantic_core import core_schema

    def answer(_: object) -> bool:
        return True

    search = core_schema.no_info_after_validator_function(
        answer, core_schema.str_schema(pattern="x", regex_engine="rust-regex", strict=True))
    plain = core_schema.no_info_plain_validator_function(answer)
    assert rust_regex.search_schema("x", answer) == search
    assert rust_regex.plain_schema(answer) == plain
    assert rust_regex.first_of([search, plain]) == core_schema.union_schema(
        [search, plain], mode="left_to_right")


def test_the_checks_do_not_import_pydantic_core_s_package() -> None:
    """The extension alone is loaded; pydantic imported afterwards works as usual."""
    code = (
        "import sys\n"
        "from rolethread_tui.domain.validation import check_value\n"
        "record = {'messages': [{'role': 'user', 'content': 'hi'},"
        " {'role': 'assistant', 'content': 'As an AI language model, I cannot.'}]}\n"
        "assert 'refusal' in {f.check for f in check_value(record)}\n"
        "print('pydantic_core.core_schema' in sys.modules, 'pydantic_core' in sys.modules)\n"
        "from rolethread_tui.domain.validation import ValidationConfig\n"
        "import pydantic_core\n"
        "from rolethread_tui.domain.validation import rust_regex\n"
        "assert rust_regex.schema_validator() is pydantic_core.SchemaValidator\n"
        "print(ValidationConfig(short_response='5').short_response)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONWARNINGS": "error"})
    assert out.stdout.split() == ["False", "False", "5"]


def test_the_engine_comes_from_the_package_if_its_file_cannot_be_loaded(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise ImportError("no such file")

    monkeypatch.setattr(rust_regex, "_load_extension", broken)
    monkeypatch.delitem(sys.modules, "pydantic_core._pydantic_core", raising=False)
    rust_regex.schema_validator.cache_clear()
    try:
        from pydantic_core import SchemaValidator

        assert rust_regex.schema_validator() is SchemaValidator
        matcher = rust_regex.rust_matcher("(?i)as an ai")
        assert matcher is not None and matcher("So AS AN AI") and not matcher("no")
    finally:
        monkeypatch.undo()
        rust_regex.schema_validator.cache_clear()


def test_the_self_test_refuses_an_engine_that_answers_wrongly(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever way the engine is reached, a wrong answer sends every search to `re`."""
    real = rust_regex.rust_matcher

    def off_by_one(source: str):  # finds everything but a tab
        found = real(source)
        return None if found is None else (lambda text: "\t" not in text and found(text))

    monkeypatch.setattr(scanner_module, "rust_matcher", off_by_one)
    scanner_module.rust_engine_ok.cache_clear()
    try:
        assert not scanner_module.rust_engine_ok()
        assert scanner_module._screen_for(["as an ai"]) is None
    finally:
        monkeypatch.undo()
        scanner_module.rust_engine_ok.cache_clear()
    assert scanner_module.rust_engine_ok()


def test_the_lists_read_the_same_from_a_package_not_on_disk(
        monkeypatch: pytest.MonkeyPatch, tmp_path: os.PathLike) -> None:
    name = "refusal.txt"
    expected = (resources.files(patterns_module.__name__) / name).read_text("utf-8")
    assert patterns_module.read_text(name) == expected
    monkeypatch.setattr(patterns_module, "_HERE", os.fspath(tmp_path))  # no such file there
    assert patterns_module.read_text(name) == expected
