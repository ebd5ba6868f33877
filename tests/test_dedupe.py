"""Duplicate finder: planted exact / near copies among distinct roleplay entries.

The generator below mimics a real generated batch: a few character cards shared as
system prompts and replies assembled from stock phrasing, so distinct entries share
many phrases without being duplicates — the case where a careless finder either
floods the reviewer with false groups or blows up into O(n²) comparisons.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rolethread_tui import Session
from rolethread_tui.domain import dedupe, dedupe_bands, dedupe_file, scan
from rolethread_tui.domain.dedupe import (
    DupGroup,
    DuplicateFinder,
    conversation_text,
    find_duplicate_groups,
    normalise,
    similarity,
)
from rolethread_tui.domain.dedupe_file import file_duplicate_groups

NAMES = ["Mira", "Aldric", "Sable", "Corin", "Liora", "Thane", "Wren", "Ysolde", "Kael", "Bryn"]
PLACES = ["harbour", "tavern", "lighthouse", "library", "market", "chapel", "orchard", "ferry"]
THINGS = ["map", "lantern", "letter", "compass", "ledger", "amulet", "key", "violin", "locket"]
MOODS = ["softly", "quietly", "warmly", "nervously", "slowly", "with a grin", "with a sigh"]
CARDS = [
    f"You are {name}, keeper of the {place}. Stay in character, write actions in asterisks, "
    "keep replies to a few sentences and never speak for the user."
    for name, place in [("Mira", "lighthouse"), ("Thane", "library"), ("Wren", "market")]
]
USER_LINES = [
    "*I walk into the {place}.* What is that {thing}, {name}?",
    "Can you tell me more about the {thing} you found near the {place}?",
    "Why were you at the {place} so late last night?",
    "I don't know what to say. The {thing} was broken when I found it.",
    "Let's go to the {place} before it gets dark, {name}.",
]
REPLY_LINES = [
    "*{name} smiles {mood} and glances toward the {place}.*",
    '"The {place} has always been cold this time of year," {name} says {mood}.',
    '"I found the {thing} in the {place}, under a loose floorboard."',
    "*{name} turns the {thing} over in her hands {mood}.*",
    '"Keep the {thing} close. Not everyone at the {place} is a friend."',
    '"You ask a lot of questions," {name} says {mood}.',
]


def fill(rng: random.Random, template: str) -> str:
    return template.format(
        name=rng.choice(NAMES), place=rng.choice(PLACES), thing=rng.choice(THINGS),
        mood=rng.choice(MOODS),
    )


def make_conversation(rng: random.Random) -> dict:
    messages = [{"role": "system", "content": rng.choice(CARDS)}]
    for _ in range(rng.randint(3, 5)):
        messages.append({"role": "user", "content": fill(rng, rng.choice(USER_LINES))})
        reply = " ".join(fill(rng, rng.choice(REPLY_LINES)) for _ in range(rng.randint(2, 4)))
        messages.append({"role": "assistant", "content": reply})
    return {"messages": messages}


def change_words(rng: random.Random, record: dict, count: int) -> dict:
    """A copy with ``count`` words of assistant replies replaced."""
    copy = json.loads(json.dumps(record))
    replies = [m for m in copy["messages"] if m["role"] == "assistant"]
    for _ in range(count):
        message = rng.choice(replies)
        words = message["content"].split(" ")
        words[rng.randrange(len(words))] = rng.choice(["crimson", "seventeen", "moth", "oath"])
        message["content"] = " ".join(words)
    return copy


def recase(record: dict) -> dict:
    """A copy that differs only in case, spacing and punctuation."""
    copy = json.loads(json.dumps(record))
    for message in copy["messages"]:
        text = message["content"].upper().replace(" ", "   ").replace(",", " ,")
        message["content"] = f"  {text}\n"
    return copy


def as_sharegpt(record: dict) -> dict:
    names = {"system": "system", "user": "human", "assistant": "gpt"}
    return {
        "conversations": [
            {"from": names[m["role"]], "value": m["content"]} for m in record["messages"]
        ]
    }


def new_system(record: dict) -> dict:
    copy = json.loads(json.dumps(record))
    copy["messages"][0]["content"] = "You are a narrator. Describe the scene in detail."
    return copy


@pytest.fixture(scope="module")
def batch() -> tuple[list[dict], set[frozenset[int]], set[frozenset[int]]]:
    """300 distinct entries plus planted copies: (records, exact groups, near groups)."""
    rng = random.Random(7)
    records = [make_conversation(rng) for _ in range(300)]
    exact: set[frozenset[int]] = set()
    near: set[frozenset[int]] = set()

    def plant(source: int, *copies: dict) -> frozenset[int]:
        start = len(records)
        records.extend(copies)
        return frozenset([source, *range(start, len(records))])

    exact.add(plant(3, json.loads(json.dumps(records[3]))))  # byte-identical copy
    exact.add(plant(10, recase(records[10])))  # case / whitespace / punctuation
    exact.add(plant(20, as_sharegpt(records[20])))  # same conversation, other shape
    exact.add(plant(25, *(json.loads(json.dumps(records[25])) for _ in range(40))))
    near.add(plant(30, change_words(rng, records[30], 3)))  # a few words changed
    near.add(plant(40, new_system(records[40])))  # same dialogue, other system prompt
    near.add(plant(50, *(change_words(rng, records[50], 2) for _ in range(3))))  # a cluster
    near.add(plant(60, *(change_words(rng, records[60], 1) for _ in range(30))))  # big cluster
    near.add(plant(70, recase(records[70]), change_words(rng, records[70], 2)))  # exact + near
    order = list(range(len(records)))
    rng.shuffle(order)  # copies must not depend on sitting next to their source
    position = {old: new for new, old in enumerate(order)}
    shuffled = [records[old] for old in order]

    def move(groups: set[frozenset[int]]) -> set[frozenset[int]]:
        return {frozenset(position[e] for e in g) for g in groups}

    return shuffled, move(exact), move(near)


def run(records: list[dict], threshold: float = 0.9) -> list[DupGroup]:
    return find_duplicate_groups(enumerate(records), threshold)


def test_every_planted_group_is_found_and_nothing_else(batch):
    records, exact, near = batch
    groups = run(records)
    assert {frozenset(g.entries) for g in groups} == exact | near
    for group in groups:
        assert group.exact == (frozenset(group.entries) in exact)
        assert group.entries == sorted(group.entries)
        if group.exact:
            assert group.score == 1.0
        else:
            assert 0.9 <= group.score <= 1.0


def test_distinct_entries_really_are_distinct(batch):
    """Guard for the generator: its distinct entries are well below the threshold."""
    records = batch[0][:60]
    texts = [conversation_text(r) for r in records]
    grouped = {e for g in run(records) for e in g.entries}
    worst = max(
        similarity(texts[i], texts[j])
        for i in range(len(texts))
        for j in range(i)
        if i not in grouped and j not in grouped
    )
    assert worst < 0.85


def test_groups_are_ordered_by_first_entry(batch):
    groups = run(batch[0])
    assert [g.entries[0] for g in groups] == sorted(g.entries[0] for g in groups)


def test_other_system_prompt_is_a_near_group_of_score_one(batch):
    rng = random.Random(1)
    record = make_conversation(rng)
    groups = run([record, new_system(record), make_conversation(rng)])
    assert groups == [DupGroup([0, 1], exact=False, score=1.0)]


def test_threshold_decides_a_borderline_pair():
    rng = random.Random(3)
    record = make_conversation(rng)
    copy = change_words(rng, record, 12)
    score = similarity(conversation_text(record), conversation_text(copy))
    assert 0.8 < score < 0.98
    records = [record, copy, make_conversation(rng)]
    assert run(records, threshold=score - 0.005) == [DupGroup([0, 1], False, score)]
    assert run(records, threshold=min(1.0, score + 0.005)) == []


def test_threshold_one_keeps_only_identical_dialogue(batch):
    records, exact, near = batch
    found = {frozenset(g.entries) for g in run(records, threshold=1.0)}
    assert exact <= found
    planted = exact | near
    assert all(any(group <= p for p in planted) for group in found)
    assert len(found) > len(exact)  # "other system prompt" copies still have score 1.0


def test_empty_finder_has_no_groups():
    assert DuplicateFinder().groups() == []


def test_threshold_must_be_a_fraction():
    finder = DuplicateFinder()
    for bad in (0.0, -0.5, 1.5):
        with pytest.raises(ValueError):
            finder.groups(bad)


def test_groups_can_be_asked_again_with_another_threshold(batch):
    records = batch[0]
    with DuplicateFinder() as finder:
        for entry, record in enumerate(records):
            finder.add(entry, conversation_text(record))
        strict = finder.groups(0.99)
        loose = finder.groups(0.9)
    assert len(finder) == len(records)
    assert {frozenset(g.entries) for g in strict} != {frozenset(g.entries) for g in loose}
    assert loose == run(records)


def test_deterministic_in_process(batch):
    assert run(batch[0]) == run(batch[0])


def test_deterministic_across_hash_seeds(batch, tmp_path: Path):
    """Shingle hashing must not depend on PYTHONHASHSEED (str hashes do)."""
    data = tmp_path / "batch.json"
    data.write_text(json.dumps(batch[0]))
    code = (
        "import json, sys\n"
        "from rolethread_tui.domain.dedupe import find_duplicate_groups\n"
        "records = json.load(open(sys.argv[1]))\n"
        "groups = find_duplicate_groups(enumerate(records))\n"
        "print(json.dumps([[g.entries, g.exact, g.score] for g in groups]))\n"
    )
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(root)}
    out = subprocess.run(
        [sys.executable, "-c", code, str(data)], env=env, capture_output=True, check=True
    )
    here = [[g.entries, g.exact, g.score] for g in run(batch[0])]
    assert json.loads(out.stdout) == here


def test_text_of_gives_the_same_groups_as_the_spill_file(batch):
    records = batch[0]
    texts = [conversation_text(r) for r in records]
    finder = DuplicateFinder(text_of=texts.__getitem__)
    for entry, text in enumerate(texts):
        finder.add(entry, text)
    assert finder.groups() == run(records)


def test_warm_up_ending_early_changes_nothing(batch, monkeypatch):
    """Stop-shingles found on the first 50 dialogues only: the same groups.

    (A big group's score may differ: it is its weakest *verified* link, and which
    links get verified depends on the signatures.)
    """
    expected = [(g.entries, g.exact) for g in run(batch[0])]
    monkeypatch.setattr(dedupe, "WARMUP", 50)
    groups = run(batch[0])
    assert [(g.entries, g.exact) for g in groups] == expected
    assert all(g.score >= 0.9 for g in groups)


def _helper_used(monkeypatch) -> list[str]:
    """Run the helper process for any file and name the requests it answers."""
    monkeypatch.setattr(dedupe, "WARMUP", 40)  # the helper joins once the warm-up ends
    monkeypatch.setattr(dedupe_file, "STEP", 60)
    monkeypatch.setattr(dedupe_file, "HELPER_MIN_BYTES", 0)
    monkeypatch.setattr(scan, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(dedupe_bands, "_HELPER_MIN_ROWS", 0)  # it walks bands too
    requests: list[str] = []
    send = scan.Helper.send
    monkeypatch.setattr(scan.Helper, "send",
                        lambda self, request: requests.append(request[0]) or send(self, request))
    return requests


needs_two_cores = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="no second core")


@needs_two_cores
def test_file_groups_with_the_helper_process_equal_serial_ones(batch, write, monkeypatch):
    records = batch[0]
    path = write(records)
    requests = _helper_used(monkeypatch)
    serial, _ = file_duplicate_groups(path, parallel=False)
    assert not requests
    split, numbers = file_duplicate_groups(path)
    assert requests and set(requests) == {"fingerprint", "bands"}
    assert split == serial
    assert [(g.entries, g.exact) for g in split] == [(g.entries, g.exact) for g in run(records)]
    assert list(numbers) == list(range(1, len(records) + 1))


@needs_two_cores
def test_a_helper_dying_while_it_walks_bands_changes_no_group(batch, write, monkeypatch):
    path = write(batch[0])
    requests = _helper_used(monkeypatch)
    serial, _ = file_duplicate_groups(path, parallel=False)
    send = scan.Helper.send

    def die_on_bands(self, request):
        if request[0] == "bands":
            self._proc.kill()
            self._proc.wait()
        return send(self, request)

    monkeypatch.setattr(scan.Helper, "send", die_on_bands)
    groups, _ = file_duplicate_groups(path)
    assert "bands" in requests and groups == serial


@needs_two_cores
def test_a_helper_dying_midway_loses_no_entry(batch, write, monkeypatch):
    records = batch[0]
    path = write(records)
    requests = _helper_used(monkeypatch)
    send = scan.Helper.send  # counts the request, then sends it

    def die_before_second(self, request):
        if len(requests) == 1:
            self._proc.kill()
            self._proc.wait()
        return send(self, request)

    monkeypatch.setattr(scan.Helper, "send", die_before_second)
    groups, _ = file_duplicate_groups(path)
    assert len(requests) == 2  # the second failed; the rest was fingerprinted here
    assert groups == file_duplicate_groups(path, parallel=False)[0]


@needs_two_cores
def test_session_groups_with_the_helper_see_edits(batch, write, monkeypatch):
    """Untouched entries are read by the helper from the file, edited ones sent as
    bytes: the groups follow the session's current text either way."""
    records = batch[0]
    path = write(records)
    requests = _helper_used(monkeypatch)
    with Session.open(path) as session:
        session.wait()
        expected = file_duplicate_groups(path, parallel=False)[0]
        assert session.duplicate_groups() == expected
        assert requests
        lone = next(i for i in range(len(records)) if all(i not in g.entries for g in expected))
        session.edit_message(lone, len(records[lone]["messages"]) - 1, "EDITED " * 30)
        copy = session.duplicate_entry(lone)
        groups = session.duplicate_groups()
        assert DupGroup(sorted([lone, copy]), exact=True, score=1.0) in groups
        assert len(groups) == len(expected) + 1


def test_add_lines_reads_raw_lines():
    rng = random.Random(9)
    line = json.dumps(make_conversation(rng)).encode()
    lines = [b"\xef\xbb\xbf" + line + b"\r\n", b"{broken", line + b"\n", line]
    finder = DuplicateFinder()
    assert finder.add_lines(lines, start=10) == 4
    assert finder.groups() == [DupGroup([10, 12, 13], exact=True, score=1.0)]


def test_entry_numbers_are_the_callers():
    rng = random.Random(5)
    record = make_conversation(rng)
    groups = find_duplicate_groups([(7, record), (3, make_conversation(rng)), (12, record)])
    assert groups == [DupGroup([7, 12], exact=True, score=1.0)]


def test_entries_without_words_are_never_grouped():
    empty = {"messages": [{"role": "user", "content": ""}, {"role": "assistant", "content": " "}]}
    records = [None, "not an object", {"text": "no messages"}, {"messages": []}, empty, empty]
    assert run([*records, *records]) == []


def test_system_only_entries_group_exactly():
    record = {"messages": [{"role": "system", "content": "You are a helpful bard."}]}
    assert run([record, record]) == [DupGroup([0, 1], True, 1.0)]


def test_reordered_words_are_not_near_duplicates():
    rng = random.Random(11)
    record = make_conversation(rng)
    shuffled = json.loads(json.dumps(record))
    for message in shuffled["messages"][1:]:
        words = message["content"].split()
        rng.shuffle(words)
        message["content"] = " ".join(words)
    assert run([record, shuffled]) == []


def test_truncated_copy_is_not_a_duplicate():
    rng = random.Random(13)
    record = make_conversation(rng)
    half = {"messages": record["messages"][:3]}
    assert run([record, half]) == []


def test_conversation_text_reads_both_shapes_and_unknown_roles():
    chatml = {"messages": [{"role": "user", "content": "hi"}, {"role": "Bard", "content": "x"}]}
    sharegpt = {"conversations": [{"from": "human", "value": "hi"}, {"from": "bard", "value": "x"}]}
    assert conversation_text(chatml) == conversation_text(sharegpt)
    assert conversation_text(chatml) == (
        dedupe.ROLE_MARKS["user"] + "hi" + dedupe.TURN_SEP + dedupe.OTHER_MARK + "x"
    )
    assert conversation_text({"nothing": 1}) == ""


def test_conversation_text_strips_its_own_markers_from_content():
    record = {"messages": [{"role": "user", "content": "a\x1eb\x11c"}]}
    assert conversation_text(record) == dedupe.ROLE_MARKS["user"] + "a b c"


def test_normalise():
    assert normalise("  Hello,WORLD!\n\tHow are   you?  ") == "hello world how are you"
    assert normalise("“Don’t” — she said…") == "don t she said"
    assert normalise("Ｆｕｌｌ ﬁne Straße snake_case") == "full fine strasse snake case"
    assert normalise("") == ""
    assert normalise("CAFÉ—“RÉSUMÉ”… ǅemal") == "café résumé džemal"


def _reference_normalise(text: str) -> str:
    """The definition normalise() implements faster: NFKC, casefold, non-words → space."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", folded).split())


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_normalise_matches_its_definition_on_any_text(text):
    assert normalise(text) == _reference_normalise(text)


@pytest.mark.parametrize("text", [
    "Wait…\u0301 what", "e\u0301…", "ﬁne\u00a0day\u202fnow", "A\u2003\u0308B", "…" * 5,
    "Cafe\u0301 …ﬂ\u00a0É", "\u2026\u2026x\u00a0\u0327c",
])
def test_prose_punctuation_shortcut_keeps_nfkc_meaning(text):
    """"…", no-break spaces and ligatures are decomposed before the NFKC check."""
    assert normalise(text) == _reference_normalise(text)


def test_roles_count_for_duplicates():
    def chat(first: str, second: str) -> dict:
        turns = [(first, "hello there, how are you"), (second, "fine thanks")]
        return {"messages": [{"role": r, "content": c} for r, c in turns]}

    assert not any(g.exact for g in run([chat("user", "assistant"), chat("assistant", "user")]))


@needs_two_cores
@pytest.mark.parametrize("count", [121, 122])  # the last step leaves the helper nothing
def test_a_last_step_too_small_to_share_is_fine(batch, write, monkeypatch, count):
    path = write(batch[0][:count])
    requests = _helper_used(monkeypatch)
    serial, _ = file_duplicate_groups(path, parallel=False)
    groups, numbers = file_duplicate_groups(path)
    assert requests and groups == serial and len(numbers) == count


@needs_two_cores
def test_searches_after_the_helper_died_during_duplicates_still_answer(batch, write,
                                                                      monkeypatch):
    path = write(batch[0] * 2)  # searches share with the helper from 400 entries
    requests = _helper_used(monkeypatch)
    send = scan.Helper.send

    def die_on_second_fingerprint(self, request):
        if requests.count("fingerprint") == 1 and request[0] == "fingerprint":
            self._proc.kill()
            self._proc.wait()
        return send(self, request)

    monkeypatch.setattr(scan.Helper, "send", die_on_second_fingerprint)
    with Session.open(path) as session, Session.open(path, parallel=False) as alone:
        session.wait()
        alone.wait()
        assert session.duplicate_groups() == alone.duplicate_groups()
        for query in ("harbour", '"the lighthouse"', "~lantern"):
            assert session.search(query) == alone.search(query), query


@needs_two_cores
def test_a_failure_between_request_and_answer_leaves_no_answer_for_the_next(
        batch, write, monkeypatch):
    """Had the helper been kept, the next search would read the fingerprints."""
    path = write(batch[0] * 2)
    _helper_used(monkeypatch)
    add_lines = DuplicateFinder.add_lines
    calls = []

    def fail_once_sharing(self, lines, start=None):
        calls.append(start)
        if len(calls) == 2:  # the first step shared with the helper
            raise MemoryError("no room")
        return add_lines(self, lines, start)

    monkeypatch.setattr(DuplicateFinder, "add_lines", fail_once_sharing)
    with Session.open(path) as session, Session.open(path, parallel=False) as alone:
        session.wait()
        alone.wait()
        with pytest.raises(MemoryError):
            session.duplicate_groups()
        for query in ("harbour", "~lantern"):
            assert session.search(query) == alone.search(query), query


def test_composing_starters_are_every_starter_that_composes():
    """`dedupe_text._COMPOSING_STARTERS` (starters NFKC may compose with the character
    before them, never plain) is what this Unicode version says, when it applies."""
    from rolethread_tui.domain import dedupe_text

    if unicodedata.unidata_version not in dedupe_text._PLAIN_VERSIONS:
        pytest.skip("no character is plain under this Unicode version (see _PLAIN_VERSIONS)")
    seconds = set(map(chr, [*range(0x1161, 0x1176), *range(0x11A8, 0x11C3)]))
    for code in range(0x110000):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            second = chr(int(parts[1], 16))
            if not unicodedata.combining(second):
                seconds.add(second)
    assert seconds == dedupe_text._COMPOSING_STARTERS


@pytest.mark.parametrize("text", [
    "—…é", "\u1100\u1161 …", "\u0b47\u0b3e…", "x\u00a0—\u0301É", "ǅ…\ufb01", "Å…Ω\u212b",
])
def test_plain_characters_skip_nfkc_without_changing_it(text):
    """Texts of ASCII and plain characters skip the NFKC pass; others take it."""
    assert normalise(text) == _reference_normalise(text)
    assert normalise(text) == _reference_normalise(text)  # the characters are known now
