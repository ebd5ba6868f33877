"""Exports read by real training clients (docs/cli.md, issue 16), offline and small.

- `datasets.load_dataset("json")` loads every `--format` / `--clean` export of
  every bundled sample file with one schema;
- `transformers`' `apply_chat_template` renders every `--clean` row with a strict
  ChatML template (it raises on a bad role order, an empty turn or no reply) and
  `return_assistant_tokens_mask=True` finds assistant tokens in each row — what
  TRL's SFT trainer with ``assistant_only_loss=True`` needs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rolethread_tui.cli.main import main

SAMPLES = sorted((Path(__file__).parent.parent / "sample_data").glob("*.jsonl"))
EXPORTS = {"chatml": ["--format", "chatml"], "sharegpt": ["--format", "sharegpt"],
           "clean": ["--clean"], "clean-sharegpt": ["--clean", "--format", "sharegpt"]}

STRICT_CHATML = (
    "{%- set offset = 1 if messages[0]['role'] == 'system' else 0 -%}"
    "{%- for m in messages -%}"
    "{%- if m['role'] == 'system' and not loop.first -%}"
    "{{ raise_exception('a system message after the first turn') }}{%- endif -%}"
    "{%- if m['role'] != 'system' and (m['role'] == 'user') != ((loop.index0 - offset) % 2 == 0)"
    " -%}{{ raise_exception('roles must alternate user/assistant from a user turn') }}"
    "{%- endif -%}"
    "{%- if m['role'] not in ['system', 'user', 'assistant'] -%}"
    "{{ raise_exception('unknown role') }}{%- endif -%}"
    "{%- if not m['content'] or not m['content'].strip() -%}"
    "{{ raise_exception('empty content') }}{%- endif -%}"
    "{%- if m['role'] == 'assistant' -%}<|im_start|>assistant\n"
    "{% generation %}{{ m['content'] }}<|im_end|>{% endgeneration %}\n"
    "{%- else -%}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{%- endif -%}"
    "{%- endfor -%}"
    "{%- if messages | selectattr('role', 'equalto', 'assistant') | list | length == 0 -%}"
    "{{ raise_exception('no assistant turn') }}{%- endif -%}"
)


def export(src: Path, out: Path, args: list[str]) -> Path:
    assert main(["export", str(src), "-o", str(out), *args]) == 0
    return out


@pytest.fixture
def datasets(tmp_path, monkeypatch):
    for name in ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE"):
        monkeypatch.setenv(name, "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    module = pytest.importorskip("datasets")
    module.disable_progress_bars()
    return module


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("kind", list(EXPORTS))
def test_every_export_loads_in_datasets(datasets, sample: Path, kind: str, tmp_path) -> None:
    out = export(sample, tmp_path / f"{kind}.jsonl", EXPORTS[kind])
    rows = out.read_text(encoding="utf-8").splitlines()
    ds = datasets.load_dataset("json", data_files=str(out), split="train",
                               cache_dir=str(tmp_path / "cache"))
    assert ds.num_rows == len(rows) > 0
    conv = "conversations" if "sharegpt" in kind else "messages"
    turn = ds.features[conv].feature
    assert all(v.dtype == "string" for v in turn.values())
    if not kind.startswith("clean"):
        assert ds.features["tags"].feature.dtype in ("string", "null")  # null: no tags at all


@pytest.fixture(scope="module")
def tokenizer():
    pytest.importorskip("jinja2")
    tokenizers = pytest.importorskip("tokenizers")
    transformers = pytest.importorskip("transformers")
    words = ["<|im_start|>", "<|im_end|>", "system", "user", "assistant", "[UNK]", "[PAD]"]
    model = tokenizers.models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="[UNK]")
    core = tokenizers.Tokenizer(model)
    core.pre_tokenizer = tokenizers.pre_tokenizers.WhitespaceSplit()
    tok = transformers.PreTrainedTokenizerFast(tokenizer_object=core, unk_token="[UNK]",
                                               pad_token="[PAD]")
    tok.chat_template = STRICT_CHATML
    return tok


def test_strict_template_refuses_what_clean_leaves_out(tokenizer) -> None:
    for bad in ([{"role": "system", "content": "s"}, {"role": "user", "content": "u"}],
                [{"role": "assistant", "content": "hi"}, {"role": "user", "content": "u"},
                 {"role": "assistant", "content": "a"}],
                [{"role": "user", "content": "u"}, {"role": "assistant", "content": " "}]):
        with pytest.raises(Exception, match=r"alternate|empty|no assistant"):
            tokenizer.apply_chat_template(bad, tokenize=False)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_every_clean_row_renders_with_assistant_tokens(tokenizer, sample: Path,
                                                       tmp_path) -> None:
    out = tmp_path / "clean.jsonl"
    report = tmp_path / "report.jsonl"
    export(sample, out, ["--clean", "--report", str(report)])
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows
    for row in rows:
        encoded = tokenizer.apply_chat_template(row["messages"], tokenize=True, return_dict=True,
                                                return_assistant_tokens_mask=True)
        assert sum(encoded["assistant_masks"]) >= 1, row
    left = [json.loads(line) for line in report.read_text().splitlines()]
    total = sum(1 for line in sample.read_bytes().splitlines() if line.strip())
    assert len(rows) + len(left) == total
    assert all(set(r) == {"line", "entry", "reason"} and r["reason"] for r in left)
