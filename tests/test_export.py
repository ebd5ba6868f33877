"""Export (domain/export.py, cli/export.py): byte-exact, converted and clean output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rolethread_tui.cli import main as cli_main
from rolethread_tui.domain import export as export_mod
from rolethread_tui.domain.export import ExportSummary, error_reason, export
from rolethread_tui.domain.records import RawLine
from rolethread_tui.domain.session import Session
from rolethread_tui.domain.summary import Row
from rolethread_tui.domain.validation.findings import finding

from .conftest import chat, clean_entry

PARTS = [{"type": "text", "text": "*She smiles.*"}, {"type": "text", "text": "Welcome."}]


def messy_lines() -> list:
    """A mixed, messy batch: both shapes, odd keys, parts, nulls, broken lines."""
    return [
        {"id": "c1", **clean_entry(1), "tags": ["tavern"], "meta": {"model": "m"},
         "_review": {"status": "accepted", "origin": "refined"}},
        {"conversations": [{"from": "system", "value": "You are Kael."},
                           {"from": "human", "value": "Draw your sword!"},
                           {"from": "gpt", "value": "*Steel rings.*"}],
         "source": "sharegpt-dump", "_review": {"status": "accepted"}},
        {"conversations": [{"role": "Human", "content": "Hello?"},
                           {"role": "Assistant", "content": "Who goes there?"}]},
        chat(("user", "Describe the inn."), ("assistant", PARTS)),
        chat(("user", "Say nothing."), ("assistant", None)),
        "{oops this is not json",
        [1, 2, 3],
        chat(("user", "Who speaks?"), ("Narrator", "The wind howls.")),
        chat(("user", "Empty reply?"), ("assistant", "")),
        {"conversations": [{"speaker": "context", "text": "A quiet library."},
                           {"speaker": "person", "text": "Any maps?"},
                           {"speaker": "bot", "text": "Third shelf."}],
         "_review": {"status": "needs_work", "origin": "human"}},
        chat(("user", "Tell me a secret."), ("assistant", "As an AI, I cannot.")),
        {"text": "no conversation here"},
        chat(("user", "Count."), ("assistant", 5)),
        chat(("user", "Bye."), ("assistant", "Farewell."), _review={"status": "rejected"}),
    ]


CLEAN_WRITTEN = 6  # lines 0-3, 9, 10 (4: an empty reply, 13: rejected)
CLEAN_SKIPPED = {"invalid-json": 1, "not-an-object": 1, "unknown-role": 1,
                 "template:empty-content": 2, "no-messages": 1,
                 "malformed-message": 1, "rejected": 1}


def fake_checker(value: object) -> list:
    """Stands in for validation: the findings the clean export cares about."""
    if isinstance(value, RawLine):
        return [finding("invalid-json", "does not parse")]
    if not isinstance(value, dict):
        return [finding("not-an-object", "not an object")]
    out = []
    convo = value.get("messages", value.get("conversations", []))
    if any(isinstance(m, dict) and m.get("role", m.get("from", m.get("speaker")))
           not in ("system", "user", "assistant", "human", "gpt") for m in convo):
        out.append(finding("unknown-role", "role outside system/user/assistant"))
    for m in value.get("messages", []):
        if isinstance(m, dict) and m.get("content") == "":
            out.append(finding("empty-content", "empty"))
        if isinstance(m, dict) and "As an AI" in str(m.get("content")):
            out.append(finding("refusal", "refusal"))
    return out


@pytest.fixture
def messy(write) -> Path:
    return write(messy_lines(), "messy.jsonl")


@pytest.fixture
def session(messy):
    s = Session.open(messy, checker=fake_checker)
    s.wait()
    yield s
    s.close()


def read_jsonl(path: Path) -> list:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# --------------------------------------------------------------------------- default
def test_default_export_copies_every_line_byte_for_byte(write, tmp_path):
    raw = (b'{"messages": [{"role": "user", "content": "caf\\u00e9 \xe2\x98\x95"}]}\n'
           b"\n   \n"
           b'{"b":1,"a":2}\r\n'
           b"{broken\xff\n"
           b'{"conversations":[{"from":"human","value":"x"}]}')
    path = write(raw, "src.jsonl")
    with Session.open(path) as s:
        summary = export(s, tmp_path / "out.jsonl")
    lines = [ln.rstrip(b"\r") for ln in raw.split(b"\n") if ln.strip()]
    assert (tmp_path / "out.jsonl").read_bytes() == b"\n".join(lines) + b"\n"
    assert summary.written == 4 and not summary.skipped


def test_default_export_follows_crlf_and_includes_unsaved_edits(write, tmp_path):
    path = write(b'{"messages":[]}\r\n{"messages":[]}\r\n', "crlf.jsonl")
    with Session.open(path) as s:
        s.wait()
        s.set_status(1, "accepted")
        export(s, tmp_path / "out.jsonl", positions=[1])
        expected = s.line_bytes(1)
    assert (tmp_path / "out.jsonl").read_bytes() == expected + b"\r\n"
    assert b'"accepted"' in expected


def test_export_refuses_to_write_over_its_source(session, messy):
    with pytest.raises(ValueError, match="refusing"):
        export(session, messy)


def test_export_streams_entry_by_entry(session, tmp_path, monkeypatch):
    reads = []
    original = session.line_bytes
    monkeypatch.setattr(session, "line_bytes", lambda i: reads.append(i) or original(i))

    def lazy_writer(target, data):
        it = iter(data)
        next(it)
        assert len(reads) == 1, "export must not read ahead of what it writes"
        for _ in it:
            pass

    monkeypatch.setattr(export_mod, "write_atomic", lazy_writer)
    summary = export(session, tmp_path / "out.jsonl", clean=True,
                     positions=(i for i in range(len(session))))
    assert summary.selected == len(messy_lines())


# --------------------------------------------------------------------------- clean
def test_clean_export_counts_and_shapes(session, tmp_path):
    assert session.row(2).severity == session.row(9).severity == "error"  # "Human", "bot"
    summary = export(session, tmp_path / "clean.jsonl", clean=True)
    rows = read_jsonl(tmp_path / "clean.jsonl")
    assert summary.fmt == "chatml"
    assert summary.written == len(rows) == CLEAN_WRITTEN
    assert dict(summary.skipped) == CLEAN_SKIPPED
    assert summary.selected == summary.written + summary.skipped_total
    assert dict(summary.by_status) == {"accepted": 2, "unreviewed": 3, "needs_work": 1}
    assert dict(summary.by_origin) == {"refined": 1, "generated": 4, "human": 1}
    for row in rows:
        assert list(row) == ["messages"]
        for m in row["messages"]:
            assert list(m) == ["role", "content"]
            assert m["role"] in ("system", "user", "assistant")
            assert isinstance(m["content"], str)
    assert rows[3]["messages"][1]["content"] == "*She smiles.*\nWelcome."
    text = summary.render()
    assert "wrote 6 of 14" in text and "unknown-role 1" in text and "accepted 2" in text
    assert "rejected 1" in text


def test_clean_sharegpt_export(session, tmp_path):
    summary = export(session, tmp_path / "clean.jsonl", clean=True, fmt="sharegpt")
    rows = read_jsonl(tmp_path / "clean.jsonl")
    assert summary.written == CLEAN_WRITTEN
    names = {t["from"] for row in rows for t in row["conversations"]}
    assert names == {"system", "human", "gpt"}
    assert all(list(t) == ["from", "value"] for row in rows for t in row["conversations"])


def test_clean_export_with_chosen_checks(session, tmp_path):
    summary = export(session, tmp_path / "c.jsonl", clean=True, error_checks={"refusal"})
    assert summary.skipped["error:refusal"] == 1
    assert "error:empty-content" not in summary.skipped  # no longer in the chosen checks


def _row(issues: tuple[str, ...], severity: str) -> Row:
    return Row(True, "unreviewed", "generated", (), (), 2, 10, "", issues, len(issues), severity)


def test_error_reason_names_the_most_fundamental_error():
    assert error_reason(_row(("empty-content", "malformed-message", "refusal"), "error")) == \
        "error:malformed-message"


def test_a_role_the_clean_export_normalises_does_not_skip_the_entry():
    # validation rates "Human"/"bot" unknown-role (fixable); clean maps them itself
    assert error_reason(_row(("unknown-role", "missing-system"), "error")) is None
    assert error_reason(_row(("unknown-role",), "error"), frozenset({"unknown-role"})) == \
        "error:unknown-role"
    assert error_reason(_row(("future-check",), "error")) == "error:future-check"
    assert error_reason(_row(("refusal",), "warning")) is None
    assert error_reason(_row(("refusal",), "warning"), frozenset({"refusal"})) == "error:refusal"


def _load(path: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    datasets = pytest.importorskip("datasets")
    datasets.disable_progress_bars()
    return datasets, datasets.load_dataset("json", data_files=str(path), split="train",
                                           cache_dir=str(tmp_path / "hf-cache"))


def test_clean_chatml_loads_with_one_schema_in_datasets(session, tmp_path, monkeypatch):
    out = tmp_path / "clean.jsonl"
    export(session, out, clean=True)
    datasets, ds = _load(out, tmp_path, monkeypatch)
    assert ds.num_rows == CLEAN_WRITTEN
    assert ds.features == datasets.Features({"messages": datasets.List(
        {"role": datasets.Value("string"), "content": datasets.Value("string")})})
    assert ds[3]["messages"][1] == {"role": "assistant", "content": "*She smiles.*\nWelcome."}


def test_clean_sharegpt_loads_with_one_schema_in_datasets(session, tmp_path, monkeypatch):
    out = tmp_path / "clean-sharegpt.jsonl"
    export(session, out, clean=True, fmt="sharegpt")
    datasets, ds = _load(out, tmp_path, monkeypatch)
    assert ds.num_rows == CLEAN_WRITTEN
    assert ds.features == datasets.Features({"conversations": datasets.List(
        {"from": datasets.Value("string"), "value": datasets.Value("string")})})


# --------------------------------------------------------------------------- conversion
def _export_file(src: Path, out: Path, fmt: str) -> ExportSummary:
    with Session.open(src) as s:
        return export(s, out, fmt=fmt)  # type: ignore[arg-type]


FORMAT_WRITTEN = 9  # not: the broken line, [1,2,3], {"text"}, content 5, the rejected one


def test_chatml_sharegpt_chatml_round_trip_keeps_every_valid_entry(messy, tmp_path):
    a, b, c = (tmp_path / n for n in ("a.jsonl", "b.jsonl", "c.jsonl"))
    first = _export_file(messy, a, "chatml")
    assert first.written == FORMAT_WRITTEN
    assert dict(first.skipped) == {"invalid-json": 1, "not-an-object": 1, "no-messages": 1,
                                   "malformed-message": 1, "rejected": 1}
    _export_file(a, b, "sharegpt")
    summary = _export_file(b, c, "chatml")
    assert summary.written == FORMAT_WRITTEN
    # the conversation and id travel; review state is a column of the export, not read back
    assert [(r["id"], r["messages"]) for r in read_jsonl(c)] == \
        [(r["id"], r["messages"]) for r in read_jsonl(a)]
    assert all("messages" not in r for r in read_jsonl(b))


def test_format_export_has_one_schema(messy, tmp_path):
    out = tmp_path / "s.jsonl"
    _export_file(messy, out, "sharegpt")
    rows = read_jsonl(out)
    assert {tuple(r) for r in rows} == {("id", "conversations", "tags", "status", "origin")}
    assert rows[0]["id"] == "c1" and rows[0]["tags"] == ["tavern"]
    assert rows[0]["status"] == "accepted" and rows[0]["origin"] == "refined"
    assert all(list(t) == ["from", "value"] and isinstance(t["value"], str)
               for r in rows for t in r["conversations"])
    assert rows[3]["conversations"][1]["value"] == "*She smiles.*\nWelcome."
    assert all(isinstance(r["id"], str) and all(isinstance(t, str) for t in r["tags"])
               for r in rows)


# --------------------------------------------------------------------------- CLI
def cli(*argv: str) -> int:
    """The real `rolethread-tui` entry point (one-line errors, exit codes)."""
    return cli_main.main(list(argv))


def test_cli_clean_export_summary_on_stderr(messy, tmp_path, capsys):
    out = tmp_path / "out.jsonl"
    assert cli("export", str(messy), "-o", str(out), "--clean") == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "wrote" in captured.err and "left out" in captured.err
    assert "invalid-json 1" in captured.err
    rows = read_jsonl(out)
    assert rows and all(list(r) == ["messages"] for r in rows)


def test_cli_json_summary_on_stdout(messy, tmp_path, capsys):
    assert cli("export", str(messy), "-o", str(tmp_path / "o.jsonl"), "--json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["written"] == len(messy_lines()) - 1 and doc["skipped"] == {"rejected": 1}
    assert cli("export", str(messy), "-o", str(tmp_path / "all.jsonl"), "--json",
               "--include-rejected") == 0
    assert (tmp_path / "all.jsonl").read_bytes() == messy.read_bytes()


def test_cli_missing_file_exit_2(tmp_path, capsys):
    assert cli("export", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "o.jsonl")) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and err.count("\n") == 1


def test_cli_refuses_existing_output_unless_forced(messy, tmp_path, capsys):
    out = tmp_path / "o.jsonl"
    out.write_text("keep me\n")
    assert cli("export", str(messy), "-o", str(out)) == 2
    assert "already exists" in capsys.readouterr().err
    assert out.read_text() == "keep me\n"
    assert cli("export", str(messy), "-o", str(out), "--force", "--include-rejected") == 0
    assert out.read_bytes() == messy.read_bytes()


def test_cli_refuses_output_equal_to_input(messy, capsys):
    before = messy.read_bytes()
    assert cli("export", str(messy), "-o", str(messy), "--force") == 2
    assert "same file" in capsys.readouterr().err
    assert messy.read_bytes() == before


def test_cli_where_uses_session_search(messy, tmp_path, monkeypatch):
    calls = []

    def search(self, query: str) -> list[int]:
        calls.append(query)
        return [i for i in range(len(self)) if self.row(i).status == "accepted"]

    monkeypatch.setattr(Session, "search", search)
    out = tmp_path / "acc.jsonl"
    assert cli("export", str(messy), "-o", str(out), "--where", "status:accepted",
               "--clean") == 0
    assert calls == ["status:accepted"] and len(read_jsonl(out)) == 2


def test_cli_bad_query_is_a_usage_error(messy, tmp_path, monkeypatch, capsys):
    from rolethread_tui.domain.search import QueryError

    def search(self, query: str) -> list[int]:
        raise QueryError("unknown field 'stauts'", 0)

    monkeypatch.setattr(Session, "search", search)
    assert cli("export", str(messy), "-o", str(tmp_path / "o.jsonl"), "--where", "stauts:x") == 2
    assert "--where" in capsys.readouterr().err
    assert not (tmp_path / "o.jsonl").exists()


def test_where_with_the_real_search(messy, tmp_path):
    out = tmp_path / "acc.jsonl"
    assert cli("export", str(messy), "-o", str(out), "--where", "status:accepted",
               "--clean") == 0
    assert len(read_jsonl(out)) == 2
