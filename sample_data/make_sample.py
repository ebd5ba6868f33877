"""Regenerate the bundled sample files: ``batch.jsonl`` and ``sharegpt.jsonl``.

Why: the app opens ``batch.jsonl`` when run with no file, so it must show the real mix
(ChatML and ShareGPT, review state, planted flaws, malformed lines) plus a few hostile
lines a renderer must survive (Rich/Textual markup, terminal escapes, wide and RTL text).
Both files are byte-for-byte reproducible: ``python sample_data/make_sample.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
DATAGEN = HERE.parent / "benchmarks" / "datagen.py"

BATCH_SEED = 20261124
BATCH_ENTRIES = 300
SHAREGPT_SEED = 31
SHAREGPT_ENTRIES = 30

# Hand-written hostile lines, inserted after the given 0-based line of the generated batch.
# Written as exact bytes so the JSON escapes (\u001b, \u0007) stay as they are.
HOSTILE: tuple[tuple[int, bytes], ...] = (
    (4, rb'{"messages":[{"role":"system","content":"You are Jinx, a chaotic gremlin who '
        rb'loves formatting."},{"role":"user","content":"Can you make the text [bold red]red'
        rb'[/]? Also what does [link=http://evil]click[/link] do?"},{"role":"assistant",'
        rb'"content":"*cackles* \"Sure! [bold red]x[/] and [link=http://evil]click[/link] and '
        rb'[@click=app.quit]free gold[/] and [$accent]theme var[/] and a stray [/] closing tag, '
        rb'plus [red unclosed and \\[escaped].\" *Jinx bounces on the table.*"}],'
        rb'"source":"hostile/markup"}'),
    (17, rb'{"id":"hostile-escapes","messages":[{"role":"user","content":"print this: '
         rb'\u001b[31mRED\u001b[0m and \u001b[2J\u001b[H"},{"role":"assistant","content":'
         rb'"*The terminal flickers.* \"\u001b]0;pwned title\u0007Did your window title '
         rb'change? \u001b[5mBlink\u001b[0m \u009b31mC1 CSI\u009b0m \u001b]8;;http://evil'
         rb'\u001b\\link\u001b]8;;\u001b\\ and a bell\u0007.\""}]}'),
    (42, b'{"messages":[{"role":"user","content":"Say hello in a few languages."},'
         b'{"role":"assistant","content":"*Mei smiles.* \\"\xe3\x81\x93\xe3\x82\x93\xe3\x81\xab'
         b'\xe3\x81\xa1\xe3\x81\xaf\xe4\xb8\x96\xe7\x95\x8c! \xd9\x85\xd8\xb1\xd8\xad\xd8\xa8'
         b'\xd8\xa7 \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d! \xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91'
         b'\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7\xe2\x80\x8d\xf0\x9f\x91\xa6 \xef\xbc\xa6\xef\xbd'
         b'\x95\xef\xbd\x8c\xef\xbd\x8c\xef\xbd\x97\xef\xbd\x89\xef\xbd\x84\xef\xbd\x94\xef'
         b'\xbd\x88 and cafe\xcc\x81 vs caf\\u00e9.\\""}],"source":"hostile/wide-text"}'),
    (77, b'{"messages":[{"role":"user","content":"*I wait for the reply*"},{"role":"assistant",'
         b'"content":"' + b"A" * 3000 + b'"}],"source":"hostile/long-word"}'),
    (150, b'{"messages":[{"role":"user","content":"this line was cut off by a crashed writer'),
)


def load_datagen() -> ModuleType:
    """benchmarks/datagen.py (benchmarks/ is not an installed package, so by its folder)."""
    sys.path.insert(0, str(DATAGEN.parent))
    import datagen

    return datagen


def make_batch(datagen: ModuleType, out: Path) -> None:
    """Generate the batch, then splice in the hostile lines."""
    datagen.generate(out, BATCH_ENTRIES, BATCH_SEED, malformed_rate=0.01)
    lines = out.read_bytes().split(b"\n")
    assert lines[-1] == b""
    body = lines[:-1]
    for after, line in sorted(HOSTILE, reverse=True):
        body.insert(after + 1, line)
    out.write_bytes(b"\n".join(body) + b"\n")


def main() -> int:
    datagen = load_datagen()
    make_batch(datagen, HERE / "batch.jsonl")
    datagen.generate(HERE / "sharegpt.jsonl", SHAREGPT_ENTRIES, SHAREGPT_SEED,
                     malformed_rate=0.0, sharegpt_rate=1.0)
    for name in ("batch.jsonl", "sharegpt.jsonl"):
        path = HERE / name
        print(f"{path}: {path.stat().st_size:,} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
