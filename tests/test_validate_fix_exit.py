"""`validate --fix -o OUT` exits as `validate OUT` would (QA, docs/cli.md).

A CI step that fixes a file and goes on with OUT asks whether OUT is fit: the
exit code was FILE's (1 for an error the fix had just removed).
"""

from __future__ import annotations

import json

import pytest

from rolethread_tui.cli.main import main

from .conftest import chat, clean_entry

FIXABLE_ERROR = chat(("user ", "Where now?"), ("assistant", "North, past the lighthouse."))
LASTING_ERROR = chat(("user", "And then?"), ("assistant", ""))  # empty content: no safe fix


@pytest.mark.parametrize(("rows", "code"), [
    ([clean_entry(0), FIXABLE_ERROR], 0),
    ([clean_entry(0), FIXABLE_ERROR, LASTING_ERROR], 1),
])
def test_the_exit_code_is_outs(write, tmp_path, capsys, rows, code):
    src = write(rows)
    out = tmp_path / "fixed.jsonl"
    assert main(["validate", str(src)]) == 1                     # FILE has an error
    capsys.readouterr()
    assert main(["validate", str(src), "--fix", "-o", str(out)]) == code
    err = capsys.readouterr().err
    assert f"→ {out}: {code} error{'' if code == 1 else 's'}, " in err
    assert main(["validate", str(out)]) == code                  # what OUT says of itself


def test_json_counts_outs_findings_too(write, tmp_path, capsys):
    src = write([clean_entry(0), FIXABLE_ERROR, LASTING_ERROR])
    out = tmp_path / "fixed.jsonl"
    assert main(["validate", str(src), "--fix", "-o", str(out), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["counts"]["error"] == 2                           # FILE's findings, as listed
    assert main(["validate", str(out), "--json"]) == 1
    assert doc["output_counts"] == json.loads(capsys.readouterr().out)["counts"]
