"""The slop lens computed in pieces answers exactly as in one piece (docs/slop.md).

Three speed paths must not change the report: the helper process that counts and
scores half of a large file (`slop.helper`, through `scan.share`, with its
fallbacks when the helper fails), the memory of sentences already counted
(`slop.sentences`), on and off, and the sample read by sentence or by entry
(`slop.lexicon`). Compared on templated data (`benchmarks/datagen.py`,
sentences repeat) and on varied prose with planted slop (`slopgen`, they do not).
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import pytest

from rolethread_tui.domain import scan
from rolethread_tui.domain.slop import counts, lexicon, sentences, sharing, source
from rolethread_tui.domain.slop.source import file_slop

from .slopgen import make_batch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import datagen  # noqa: E402


@pytest.fixture(scope="module", params=["datagen", "slopgen"])
def data(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("shared") / f"{request.param}.jsonl"
    if request.param == "datagen":
        datagen.generate(path, 1000, seed=5)
    else:
        make_batch(2000, planted_share=0.1, seed=7).write(path)
    return path


@pytest.fixture(autouse=True)
def no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLETHREAD_CACHE_DIR", str(tmp_path / "cache"))
    counts._sentences.cache_clear()  # each test starts its memory afresh
    yield
    counts._sentences.cache_clear()


@pytest.fixture(scope="module")
def alone(data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, tuple]:
    """The one-process answer, computed once per file: what every other way must give."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ROLETHREAD_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        counts._sentences.cache_clear()
        answer = _answer(data)
        counts._sentences.cache_clear()
    return answer


def _answer(path: Path, parallel: bool = False) -> tuple[bytes, tuple]:
    """The JSON document and the report's plain form (entry order, phrase rows)."""
    report, lines = file_slop(path, parallel=parallel)
    return orjson.dumps(report.as_json(lines.__getitem__)), report.to_plain()


@pytest.mark.parametrize(("step", "waits"), [(100_000, False), (150, True), (150, False)])
def test_the_helper_changes_nothing(data: Path, alone: tuple, monkeypatch: pytest.MonkeyPatch,
                                    step: int, waits: bool) -> None:
    """The helper counts one share (all the file) or several (150+ entries from the
    end at a time): given its next share after each step here (``waits``) or when
    its answer is in."""
    monkeypatch.setattr(source, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(sharing, "STEP", step)
    if waits:
        monkeypatch.setattr(scan.Helper, "answered", lambda self: True)
    answers = []
    receive = scan.Helper.receive
    monkeypatch.setattr(scan.Helper, "receive", lambda self: answers.append(receive(self))
                        or answers[-1])
    assert _answer(data, parallel=True) == alone
    # the human rates, its counts (one answer a share), then its scores
    assert len(answers) == 3 if step > 10_000 else len(answers) > 3 or not waits


@pytest.mark.parametrize("fails_at", [1, 2, 3, 4])
def test_a_failing_helper_changes_nothing(data: Path, alone: tuple,
                                          monkeypatch: pytest.MonkeyPatch, fails_at: int) -> None:
    """The helper dies before the human rates (1), its first or a later share's
    counts (2, 3) or its scores (4) come back."""
    monkeypatch.setattr(source, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(sharing, "STEP", 400)  # two shares of datagen's 1000, three of 2000
    monkeypatch.setattr(scan.Helper, "answered", lambda self: True)  # each after a step here
    calls = []
    receive = scan.Helper.receive

    def dying(self: scan.Helper) -> object:
        calls.append(1)
        if len(calls) == fails_at:
            raise EOFError("helper process closed its pipe")
        return receive(self)

    monkeypatch.setattr(scan.Helper, "receive", dying)
    assert _answer(data, parallel=True) == alone
    assert len(calls) == fails_at


def test_remembering_sentences_changes_nothing(data: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[sentences.Sentences] = []

    class Seen(sentences.Sentences):
        def __init__(self, *args: object) -> None:
            super().__init__(*args)  # type: ignore[arg-type]
            made.append(self)

    monkeypatch.setattr(counts, "Sentences", Seen)
    remembered = _answer(data)
    counts._sentences.cache_clear()
    monkeypatch.setattr(sentences, "MEMORY", 50)  # forgets (starts again) again and again
    monkeypatch.setattr(sentences, "MIN_REPEATS", 0.0)  # …and never gives up
    assert _answer(data) == remembered
    counts._sentences.cache_clear()
    monkeypatch.setattr(sentences, "TRIAL", 500)
    monkeypatch.setattr(sentences, "MIN_REPEATS", 1.01)  # gives up after the trial
    assert _answer(data) == remembered
    # datagen repeats most sentences, slopgen almost none
    assert [s.remember for s in made] == [data.stem == "datagen", True, False]


def _phrases(found: lexicon.Lexicon) -> tuple:
    """The candidates and each one's phrase (phrase numbers follow a set's order)."""
    return found.grams, [found.phrases[p] for p in found.phrase_of]


def test_reading_the_sample_by_sentence_or_by_entry_changes_nothing(
        data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = data.read_bytes().splitlines()
    made: list[lexicon._Sample] = []

    class Seen(lexicon._Sample):
        def __init__(self) -> None:
            super().__init__()
            made.append(self)

    monkeypatch.setattr(lexicon, "_Sample", Seen)
    found = lexicon.discover(lines)
    assert found.grams
    monkeypatch.setattr(lexicon, "TRIAL", 1)
    monkeypatch.setattr(lexicon, "MIN_REPEATS", 1.01)  # by entry after the first
    assert _phrases(lexicon.discover(lines)) == _phrases(found)
    monkeypatch.setattr(lexicon, "MIN_REPEATS", 0.0)  # by sentence throughout
    assert _phrases(lexicon.discover(lines)) == _phrases(found)
    # datagen repeats most sentences, slopgen almost none
    assert [s.by_sentence for s in made] == [data.stem == "datagen", False, True]
