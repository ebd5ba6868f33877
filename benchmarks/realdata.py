"""Build a real-data probe file from AlpacaEval's published model outputs.

Why: precision of the checks (docs/validation.md) is only believable on text we
did not write. AlpacaEval (github.com/tatsu-lab/alpaca_eval) publishes, for each
evaluated model, its answers to the same 805 real user instructions:
coding answers with fences, emails, quizzes, essays about language models,
and genuine refusals (Llama-2-chat refuses often). One ShareGPT conversation
per (model, instruction), no system prompt — as real dumps usually are.

The data stays out of the repository: it is written under ``benchmarks/data/``
(git-ignored) from a local clone or mirror of that repository::

    git clone --depth 1 https://github.com/tatsu-lab/alpaca_eval /tmp/alpaca_eval
    python benchmarks/realdata.py /tmp/alpaca_eval -o benchmarks/data/real-alpacaeval.jsonl
    rolethread-tui validate benchmarks/data/real-alpacaeval.jsonl

A bare git directory (a mirror without a work tree) works too: files are read
with ``git show HEAD:<path>``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import orjson

#: 22 models x 805 instructions = 17,710 conversations: old and new, open and
#: closed, chatty and terse, some that refuse a lot.
MODELS = (
    "gpt4", "gpt-3.5-turbo-0613", "claude-2", "claude-3-opus-20240229",
    "llama-2-70b-chat-hf", "llama-2-7b-chat-hf", "vicuna-13b-v1.5", "alpaca-7b",
    "guanaco-33b", "oasst-sft-pythia-12b", "falcon-40b-instruct", "mistral-large-2402",
    "Mixtral-8x7B-Instruct-v0.1", "Meta-Llama-3-70B-Instruct", "Qwen1.5-72B-Chat",
    "zephyr-7b-beta", "wizardlm-70b", "gemini-pro", "tulu-2-dpo-70b", "text_davinci_003",
    "baize-v2-13b", "yi-large-preview",
)


def read_outputs(source: Path, model: str) -> list[dict]:
    """One model's outputs, from a work tree or a bare git directory."""
    rel = f"results/{model}/model_outputs.json"
    if (source / rel).is_file():
        return orjson.loads((source / rel).read_bytes())
    data = subprocess.run(["git", "--git-dir", str(source), "show", f"HEAD:{rel}"],
                          capture_output=True, check=True).stdout
    return orjson.loads(data)


def conversations(source: Path, models: tuple[str, ...]) -> list[bytes]:
    lines = []
    for model in models:
        for k, row in enumerate(read_outputs(source, model)):
            entry = {"id": f"{model}-{k}", "conversations": [
                {"from": "human", "value": row["instruction"]},
                {"from": "gpt", "value": row["output"]},
            ]}
            lines.append(orjson.dumps(entry))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="alpaca_eval clone or bare git dir")
    parser.add_argument("-o", "--out", type=Path,
                        default=Path(__file__).parent / "data" / "real-alpacaeval.jsonl")
    args = parser.parse_args(argv)
    lines = conversations(args.source, MODELS)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(b"\n".join(lines) + b"\n")
    print(f"{len(lines)} conversations from {len(MODELS)} models -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
