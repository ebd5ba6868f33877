"""The pattern lists and the fast scan behind `refusal` / `format-leak` / hidden chars.

The scan may only ever skip work, never findings: the properties here check that
whatever a curated pattern matches is found through the needle prefilter, and
that the hidden-character pre-check never says "no" wrongly.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rolethread_tui.domain.validation import build_context, check_value
from rolethread_tui.domain.validation import scanner as scanner_module
from rolethread_tui.domain.validation.config import LEAK_FILE, REFUSAL_FILE
from rolethread_tui.domain.validation.hidden import check_hidden, maybe_hidden, remove_hidden
from rolethread_tui.domain.validation.needles import BLANKS, LINE_START, minimal, needles_of
from rolethread_tui.domain.validation.scanner import (
    FLAGS,
    PatternList,
    Scanner,
    make_matcher,
    parse_pattern_lines,
    pattern_source,
    python_matcher,
    read_pattern_file,
    rust_matcher,
)

CURATED = [(check, line) for check, name in (("refusal", REFUSAL_FILE), ("format-leak", LEAK_FILE))
           for line in read_pattern_file(name)]


# --------------------------------------------------------------------------- lists


def test_pattern_files_load_and_compile() -> None:
    assert len(CURATED) > 30
    for _, line in CURATED:
        re.compile(pattern_source(line), FLAGS)


@pytest.mark.parametrize(("check", "line"), CURATED)
def test_every_curated_pattern_has_needles(check: str, line: str) -> None:
    """A needle-less curated pattern would send every entry down the slow path."""
    assert needles_of(pattern_source(line), FLAGS), line


def test_parse_pattern_lines() -> None:
    lines = ["# comment", "", "  as an ai  ", "   # indented comment", r"\bfoo\b"]
    assert parse_pattern_lines(lines) == ["as an ai", r"\bfoo\b"]


def test_plain_phrases_match_whole_words_and_curly_apostrophes() -> None:
    assert pattern_source("as an ai") == r"\bas\ an\ ai\b"
    assert pattern_source("oh no!") == r"\boh\ no!"
    assert pattern_source(r"\bx+\b") == r"\bx+\b"
    rx = re.compile(pattern_source("i’m an ai"), FLAGS)
    assert rx.search("so I'M AN AI, ok") and not rx.search("i'm an aide")


# --------------------------------------------------------------------------- needles


@pytest.mark.parametrize(("source", "needles"), [
    (r"\bas an ai\b", {"as an ai"}),
    (r"\b(?:as|i'm) an ai\b", {"as an ai", "i'm an ai"}),
    (r"colou?r", {"color", "colour"}),
    (r"^user:", {LINE_START + "user:"}),
    (r"\b(?:against|violates) (?:my|the) (?:guidelines|policies)\b",
     {f"{a} {b} {c}" for a in ("against", "violates") for b in ("my", "the")
      for c in ("guidelines", "policies")}),
    # 5 x 3 x 5 = 75 alternatives is too many to multiply out: the rarest part is used.
    (r"\b(?:against|violates?|breaks?) (?:my|the|our) (?:guidelines|policies|principles|"
     r"rules|programming)\b", {"guidelines", "policies", "principles", "rules", "programming"}),
    (r"[(\[]ooc", {"(ooc", "[ooc"}),
    (r"<\|[a-z_]+\|>", {"<|"}),
    (r"\w+ing\b", {"ing"}),
    (r"\b[a-z]{7}\s[a-z]{7}\b", None),
    (r"(?:foo|\w+)bar", {"bar"}),
    (r"x*", None),
    # a run of blanks stays inside the needle: the label and its colon, not the bare name
    (r"^[ \t]*(?:user|gpt)[ \t]*:", {f"{LINE_START}{BLANKS}{name}{BLANKS}:"
                                     for name in ("user", "gpt")}),
    (r"\{\{user\}\}[ \t]*:", {"{{user}}" + BLANKS + ":"}),
    # blanks and anchors alone are no needle; other blank classes are not BLANKS
    (r"^[ \t]*#{2,4}", {"#"}),
    (r"^[ \t]*", None),
    (r"user[ \t\n]*:", {"user"}),
    (r"user[ \t]+:", {"user"}),
])
def test_needles_of(source: str, needles: set[str] | None) -> None:
    assert needles_of(source, FLAGS) == needles


def test_minimal_drops_needles_containing_others() -> None:
    assert minimal({"openai", "ai", "model", "language model"}) == ["ai", "model"]


# --------------------------------------------------------------------------- matchers


TEXTS = ["As an AI, no.", "as an aide", "I’M AN AI", "x\nUSER: hi", "xuser: hi", "", "\u2019",
         "<|im_end|>", "OpenAI", "nothing at all", "caf\u00e9 OPENAI \u212a",
         "a\n \t GPT \t: x", "a\nGPT: x", "agpt: x", "a\ngpt\n: x", "a\n gpt x:", "{{CHAR}}:",
         "{{char}} \t :", "{{char}}\n:", "{{char}} says: hi"]


def test_rust_and_python_matchers_agree() -> None:
    needles = ["as an ai", "i'm an ai", LINE_START + "user:", "<|", "openai",
               f"{LINE_START}{BLANKS}gpt{BLANKS}:", "{{char}}" + BLANKS + ":"]
    source = scanner_module.needle_regex(needles)
    fast, slow = rust_matcher(source), python_matcher(source)
    assert fast is not None
    for text in TEXTS:
        assert fast(text) == slow(text), text


def test_make_matcher_falls_back_to_re(monkeypatch: pytest.MonkeyPatch) -> None:
    assert scanner_module.rust_engine_ok()
    try:
        monkeypatch.setattr(scanner_module, "rust_matcher", lambda source: None)
        scanner_module.rust_engine_ok.cache_clear()
        assert make_matcher(["openai"])("an OpenAI model")
        monkeypatch.setattr(scanner_module, "rust_matcher", lambda source: lambda text: False)
        scanner_module.rust_engine_ok.cache_clear()
        matcher = make_matcher(["openai"])  # the self-test rejects the broken engine
        assert matcher("an OpenAI model") and not matcher("nothing")
    finally:
        monkeypatch.undo()
        scanner_module.rust_engine_ok.cache_clear()


def test_scanner_runs_needle_less_patterns_always() -> None:
    scanner = Scanner([PatternList.build("refusal", [r"\b[a-z]{7}\s[a-z]{7}\b", "openai"])])
    assert scanner.may_match("nothing here")
    [(check, regex)] = scanner.regexes_for("quietly singing")
    assert check == "refusal" and regex.search("quietly singing")


def test_scanner_picks_only_patterns_with_needles_present() -> None:
    scanner = build_context().scanner
    assert not scanner.may_match("*She smiles.* \"Welcome, traveller.\"")
    [(check, regex)] = scanner.regexes_for("Well, as an AI, I think...")
    assert check == "refusal" and regex.search("as an AI")
    assert regex.pattern != scanner.lists[0].combined.pattern


def test_speaker_label_needles_pass_over_the_names_in_prose() -> None:
    """``{{user}}`` and "user" in a reply are prose; a line opening ``User :`` is a leak."""
    scanner = build_context().scanner
    assert scanner.screen("{{user}} smiles.\nThe user waves: hello. {{char}}, gpt") is False
    for text in ("ok\n  User\t: y", "{{char}} :hi", "\tGPT:"):
        assert scanner.screen(text)
        assert [check for check, _ in scanner.regexes_for(text)] == ["format-leak"], text


def test_surrogates_do_not_hide_a_refusal() -> None:
    record = {"messages": [{"role": "user", "content": "hi"},
                           {"role": "assistant", "content": "As an AI \ud800 I cannot."}]}
    found = {f.check for f in check_value(record)}
    assert {"refusal", "hidden-characters"} <= found


# --------------------------------------------------------------------------- properties


@pytest.mark.parametrize(("check", "line"), CURATED)
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_whatever_a_pattern_matches_is_found(check: str, line: str, data: st.DataObject) -> None:
    """Soundness of the prefilter: text matching a pattern always yields the finding."""
    regex = re.compile(pattern_source(line), FLAGS)
    core = data.draw(st.from_regex(regex, fullmatch=True), label="match")
    before = data.draw(st.sampled_from(["", "*She waits.* ", "Well… ", "“Hi.”\n"]))
    after = data.draw(st.sampled_from(["", " *She waits.*", " — fine.", "\n\nOK."]))
    text = before + core + after
    if not regex.search(scanner_module.normalise_quotes(text)) or not text.strip():
        return
    text = text.strip()
    if not regex.search(scanner_module.normalise_quotes(text)):
        return
    record = {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "hi"},
                           {"role": "assistant", "content": text}]}
    assert check in {f.check for f in check_value(record)}, (line, text)


_ALPHABET = st.sampled_from([
    "a", "Z", " ", "\n", "\t", "’", "—", "é", "雪", "😊", "\u200b", "\u200c", "\u200d", "\ufeff",
    "\u202e", "\x07", "\x85", "\u2028", "\r", "\u00ad", "\U000e0041", "\u0633", "\ufe0f",
])


@settings(max_examples=300, deadline=None)
@given(st.text(_ALPHABET, max_size=12))
def test_hidden_precheck_never_misses(text: str) -> None:
    if check_hidden(0, text) is not None:
        assert maybe_hidden(text)
    assert check_hidden(0, remove_hidden(text)) is None


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET | st.sampled_from(["\ud800", " as an ai ", "</s>", "I’m an AI"]),
                max_size=12).map("".join))
def test_screen_never_says_no_wrongly(text: str) -> None:
    """`Scanner.screen` False means: no needle, and `maybe_hidden` says no."""
    scanner = build_context().scanner
    if scanner.screen(text) is False:
        assert not maybe_hidden(text)
        assert not scanner.may_match(text)


def test_screen_cannot_tell_for_a_lone_surrogate() -> None:
    scanner = build_context().scanner
    assert scanner.screen("plain words") is False
    assert scanner.screen("x\u200by") is True
    assert scanner.screen("as an AI, I") is True
    assert scanner.screen("x\ud800") is None
