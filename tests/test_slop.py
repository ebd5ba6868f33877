"""The slop lens over planted and human-like data (docs/slop.md, issue 17)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rolethread_tui.domain.slop import SIGNALS, count_chunk, discover, file_slop, finish, merge

from .conftest import chat
from .slopgen import PLANTED_PHRASES, make_batch

N = 1500


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory):
    batch = make_batch(N, planted_share=0.1, seed=3)
    path = batch.write(tmp_path_factory.mktemp("slop") / "planted.jsonl")
    return batch, file_slop(path)[0]


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z' ]", " ", text.lower()).split())


def test_planted_entries_rank_first(planted):
    batch, report = planted
    k = len(batch.planted)
    top = report.ranked()[:k]
    assert len(set(top) & batch.planted) / k >= 0.8


def test_every_planted_phrase_is_in_the_top_15_phrases(planted):
    _batch, report = planted
    rows = [p.text.removesuffix(" …") for p in report.phrases[:15]]
    for phrase in PLANTED_PHRASES:
        words = _words(phrase)
        assert any(words.startswith(row) or row in words for row in rows), phrase


def test_planted_entries_name_their_phrase_and_signals(planted):
    batch, report = planted
    entry = min(batch.planted)
    found = report.entries[entry]
    names = {s.name for s in found.signals}
    assert {"repeated-phrase", "repeated-opening"} <= names
    assert names & {"sycophancy", "generic-assistant"}
    phrase = _words(batch.phrase_of[entry])
    evidence = [s.evidence for s in found.signals if s.name == "repeated-phrase"]
    assert any(_words(e.split('" (')[0]).removesuffix(" ") in phrase for e in evidence)
    assert all(re.search(r"\(\d[\d,]* entries\)", e) for e in evidence)
    assert 0 < found.score <= 1


def test_phrases_are_sorted_by_entries(planted):
    _batch, report = planted
    shared = [p.entries for p in report.phrases]
    assert shared == sorted(shared, reverse=True)


def test_human_like_prose_raises_no_flood_of_signals(tmp_path: Path):
    report = file_slop(make_batch(N, seed=11).write(tmp_path / "clean.jsonl"))[0]
    assert len(report.entries) <= N // 100
    assert max((e.score for e in report.entries.values()), default=0.0) < 0.3
    assert len(report.phrases) <= 2


def _lines(batch) -> list[bytes]:
    import orjson

    return [orjson.dumps(e) for e in batch.entries]


def test_counts_of_two_chunks_merge_into_the_counts_of_both():
    lines = _lines(make_batch(400, planted_share=0.15, seed=5))
    lexicon = discover(lines)
    whole = finish(count_chunk(lines, lexicon), lexicon)
    split = finish(merge(count_chunk(lines[250:], lexicon, 250),
                         count_chunk(lines[:250], lexicon)), lexicon)
    assert split == whole
    assert whole.phrases


def _report(replies: list[str], filler: int = 60):
    import orjson

    lines = [orjson.dumps(chat(("user", "Hi"), ("assistant", text))) for text in replies]
    lines += [orjson.dumps(chat(("user", "Hi"), ("assistant", f"Plain reply number {i}.")))
              for i in range(filler)]
    lexicon = discover(lines)
    return finish(count_chunk(lines, lexicon), lexicon)


def test_not_x_but_y_is_found_and_ordinary_not_only_is_not():
    report = _report(["Honestly, it's not the money, it's the principle of the thing.",
                      "She was not only tired but also hungry after the walk."])
    assert "not-x-but-y" in report.entries[0].names
    assert 1 not in report.entries


def test_a_repeated_phrase_is_reported_even_when_a_list_signal_fires_on_it():
    closer = "I hope this helps with the garden project."
    report = _report([f"Reply {i} about {w}. {closer}" for i, w in
                      enumerate(["soil", "seeds", "rain", "weeds", "tools", "shade", "frost"])])
    names = report.entries[0].names
    assert {"generic-assistant", "repeated-phrase"} <= names
    assert any("hope this helps" in p.text for p in report.phrases)


def test_over_used_stock_words_give_the_signal():
    pytest.importorskip("wordfreq")
    report = _report([f"Story {i}: a tapestry of light, a testament to courage." for i in range(8)],
                     filler=200)
    stock = [s for s in report.entries[0].signals if s.name == "stock-words"]
    assert stock and "tapestry" in stock[0].evidence and "human rate" in stock[0].evidence


def test_entries_without_assistant_text_are_clean_and_unparseable_lines_too():
    import orjson

    lines = [b"{not json", orjson.dumps(chat(("user", "only a question")))]
    lexicon = discover(lines)
    report = finish(count_chunk(lines, lexicon), lexicon)
    assert report.total == 2 and not report.entries
    assert report.ranked() == [0, 1]


def test_signal_names_are_the_documented_ones(planted):
    _batch, report = planted
    used = {s.name for e in report.entries.values() for s in e.signals}
    assert used <= set(SIGNALS)


def test_the_lens_survives_decisions_and_goes_stale_on_a_text_edit(tmp_path: Path):
    """It reads assistant replies only: accepting or flagging keeps the list's slop
    bars; an edit makes the lens stale until it is computed again."""
    from rolethread_tui.domain import Session

    path = make_batch(300, planted_share=0.2, seed=5).write(tmp_path / "b.jsonl")
    session = Session.open(path)
    session.wait()
    report = session.slop()
    worst = report.ranked()[0]
    score = session.slop_score(worst)
    assert score is not None and score > 0
    session.set_status(worst, "accepted")
    session.toggle_flag([worst, worst + 1], "repetitive")
    session.set_note(worst, "checked")
    assert session.slop_score(worst) == score
    session.undo()
    assert session.slop_score(worst) == score
    session.edit_message(worst, 0, "A new question.")
    assert session.slop_score(worst) is None
    assert session.slop().mark(worst)[0] is not None  # computed again on request
    session.close()
