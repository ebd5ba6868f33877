"""Tests for benchmarks/datagen.py: benchmarks and other tests rely on its shape and flaws."""

from __future__ import annotations

import sys
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any

import orjson
import pytest

DATAGEN = Path(__file__).resolve().parent.parent / "benchmarks" / "datagen.py"


sys.path.insert(0, str(DATAGEN.parent))  # benchmarks/ is not an installed package
import datagen  # noqa: E402

REFUSAL_MARKERS = ("As an AI", "I'm sorry, but", "I apologize, but", "As a large language model",
                   "I'm just an AI", "I cannot", "(OOC:")
LEAK_MARKERS = ("```", "<div", "<br>", "Assistant:", "### Response:", "<|im_end|>", "\nUser:")
HIDDEN = set(datagen.HIDDEN_CHARS)
ROLES = {"system", "user", "assistant"}


def _lines(path: Path) -> list[bytes]:
    data = path.read_bytes()
    assert data.endswith(b"\n")
    return data[:-1].split(b"\n")


def _turns(obj: dict[str, Any]) -> list[tuple[Any, Any]]:
    """(role, content) pairs for either shape."""
    if "messages" in obj:
        return [(m.get("role"), m.get("content")) for m in obj["messages"]]
    out = []
    for t in obj["conversations"]:
        role = t.get("from", t.get("role", t.get("speaker")))
        text = t.get("value", t.get("content", t.get("text")))
        out.append((role, text))
    return out


def _norm(role: Any) -> Any:
    names = {"human": "user", "gpt": "assistant", "bot": "assistant", "person": "user",
             "context": "system"}
    r = role.strip().lower() if isinstance(role, str) else role
    return names.get(r, r)


def _survey(path: Path) -> Counter[str]:
    """Count shapes, metadata and flaws the way a validator would see them."""
    c: Counter[str] = Counter()
    convs: list[tuple[Any, ...]] = []
    for raw in _lines(path):
        if not raw.strip():
            c["blank"] += 1
            continue
        c["entries"] += 1
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError:
            c["invalid"] += 1
            continue
        if not isinstance(obj, dict):
            c["not_object"] += 1
            continue
        c["sharegpt" if "conversations" in obj else "chatml"] += 1
        for key in ("_review", "_rolethread", "id", "source", "meta"):
            c[key] += key in obj
        turns = _turns(obj)
        convs.append(tuple(map(str, turns)))
        roles = [_norm(r) for r, _ in turns]
        texts = [t for _, t in turns]
        c["unknown_role"] += any(r not in ROLES for r in roles)
        c["ends_with_user"] += roles[-1] == "user"
        c["double_assistant"] += any(a == b == "assistant" for a, b in pairwise(roles))
        c["misplaced_system"] += "system" in roles[1:]
        c["null_content"] += None in texts
        c["content_parts"] += any(isinstance(t, list) for t in texts)
        strs = [t for t in texts if isinstance(t, str)]
        c["empty_content"] += any(not t.strip() for t in strs)
        c["edge_whitespace"] += any(t and t != t.strip() for t in strs)
        c["hidden_chars"] += any(ch in HIDDEN for t in strs for ch in t)
        replies = [t for r, t in turns if _norm(r) == "assistant" and isinstance(t, str)]
        c["refusal"] += any(m in t for t in replies for m in REFUSAL_MARKERS)
        c["format_leak"] += any(m in t for t in replies for m in LEAK_MARKERS)
        c["short_reply"] += any(0 < len(t.strip()) < 15 for t in replies)
        c["stock_opening"] += sum(t.startswith(("*smiles warmly*", "Ah, ")) for t in replies)
        c["replies"] += len(replies)
    c["duplicate"] = len(convs) - len(set(convs))
    return c


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("datagen") / "batch.jsonl"
    datagen.generate(path, 200, seed=7, malformed_rate=0.05)
    return path


def test_line_count_and_endings(sample: Path) -> None:
    data = sample.read_bytes()
    assert b"\r" not in data
    non_blank = [ln for ln in _lines(sample) if ln.strip()]
    assert len(non_blank) == 200


def test_average_size_in_range(tmp_path: Path) -> None:
    path = tmp_path / "size.jsonl"
    datagen.generate(path, 1000, seed=3)
    avg = path.stat().st_size / 1000
    assert 1700 <= avg <= 2300, avg


def test_deterministic_per_seed(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    datagen.generate(a, 200, seed=11)
    datagen.generate(b, 200, seed=11)
    datagen.generate(c, 200, seed=12)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_malformed_lines_present(sample: Path) -> None:
    c = _survey(sample)
    assert c["invalid"] + c["not_object"] >= 3
    assert c["chatml"] > c["sharegpt"] > 0


def test_flaw_mix_present(tmp_path: Path) -> None:
    path = tmp_path / "mix.jsonl"
    datagen.generate(path, 3000, seed=5)
    c = _survey(path)
    for key in ("_review", "_rolethread", "id", "source", "meta", "sharegpt", "unknown_role",
                "ends_with_user", "double_assistant", "misplaced_system", "null_content",
                "content_parts", "empty_content", "edge_whitespace", "hidden_chars",
                "refusal", "format_leak", "short_reply", "duplicate"):
        assert c[key] > 0, key
    assert c["invalid"] + c["not_object"] > 0
    # repetitive openings: a large share of replies start the same way
    assert c["stock_opening"] / c["replies"] > 0.1
    assert 0.05 < c["sharegpt"] / c["entries"] < 0.16
    assert 0.04 < c["_review"] / c["entries"] < 0.12


def test_near_duplicates_differ_by_a_few_words(tmp_path: Path) -> None:
    path = tmp_path / "near.jsonl"
    datagen.generate(path, 1000, seed=9, malformed_rate=0.0)
    by_system: dict[str, list[list[str]]] = {}
    for raw in _lines(path):
        if not raw.strip():
            continue
        turns = _turns(orjson.loads(raw))
        texts = [t for _, t in turns if isinstance(t, str)]
        by_system.setdefault(str(turns[:2]), []).append(texts)
    near = 0
    for group in by_system.values():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if a != b and len(a) == len(b):
                    changed = sum(x != y for x, y in zip(a, b, strict=True))
                    near += 1 <= changed <= 2
    assert near > 0
