"""Write ``broken.jsonl``: a small hostile file for DESIGN.md §2 "Tolerate".

Why: loaders, the byte-preserving saver and validation must survive every one of these
without losing a byte. The file is written from literal bytes (no serialiser in between),
so it is identical on every run: ``python sample_data/make_broken.py``.

Line by line (1-based physical lines; "entry" = non-blank line):
 1  UTF-8 BOM, then a valid ChatML entry, CRLF
 2  valid entry with raw non-ASCII, LF
 3  blank line, CRLF
 4  whitespace-only line (spaces and a tab), LF
 5  `null` content, CRLF
 6  non-string content: a content-part list, a number, an object, a list of strings
 7  duplicate keys: top-level "messages" twice, and "content" twice inside a message
 8  unknown top-level fields (id, source, meta, nested junk) plus _rolethread and a _review
    with an unknown key
 9  ShareGPT entry (from/value, human/gpt/system), CRLF
10  invalid UTF-8 bytes inside a string (0xFF, a lone continuation byte, Latin-1 é)
11  a raw NUL byte inside a string
12  a ~3 MB line: one valid entry with a very long assistant reply
13  blank line
14  truncated JSON (a writer that crashed mid-line)
15  a top-level JSON array of messages, CRLF
16  a bare JSON string
17  `null`
18  a lone-surrogate escape (valid JSON syntax, not valid Unicode: orjson rejects it)
19  escaped vs raw non-ASCII (must round-trip byte-for-byte), leading and trailing blanks
20  two blank lines (LF then CRLF)
22  a valid entry with NO final newline
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "broken.jsonl"
BOM = b"\xef\xbb\xbf"
LONG_TARGET = 3_000_000  # bytes of the long reply; the whole file stays under 4 MB


def long_reply() -> bytes:
    """A ~3 MB roleplay reply with JSON-escaped newlines and quotes, deterministic."""
    parts: list[bytes] = []
    size = 0
    i = 0
    while size < LONG_TARGET:
        p = (b'*The storm rolls on through hour %d, and Seraphina keeps the lantern lit.* '
             b'\\"We have walked %d leagues, friend. Rest if you must.\\"\\n\\n' % (i, i * 3))
        parts.append(p)
        size += len(p)
        i += 1
    return b"".join(parts)


def lines() -> list[bytes]:
    """Every physical line with its own line ending (or none, for the last)."""
    sys_msg = b'{"role":"system","content":"You are Seraphina, a gentle forest guardian."}'
    return [
        BOM + b'{"messages":[' + sys_msg + b',{"role":"user","content":"Hello?"},'
        b'{"role":"assistant","content":"*Seraphina smiles.* \\"Welcome, traveler.\\""}]}\r\n',
        '{"messages":[{"role":"user","content":"Où est la forêt ? 森はどこ？"},'
        '{"role":"assistant","content":"*Elle sourit.* « Par ici — suivez-moi. »"}]}\n'
        .encode(),
        b"\r\n",
        b"   \t  \n",
        b'{"messages":[{"role":"user","content":null},{"role":"assistant","content":"..."}]}'
        b"\r\n",
        b'{"messages":[{"role":"user","content":[{"type":"text","text":"Describe the glade."}'
        b',{"type":"image_url","image_url":{"url":"file:///glade.png"}}]},'
        b'{"role":"assistant","content":42},{"role":"user","content":{"text":"an object"}},'
        b'{"role":"assistant","content":["a","list","of","strings"]}]}\n',
        b'{"messages":[{"role":"user","content":"first"}],"messages":[{"role":"user",'
        b'"content":"dup key: which content wins?","content":"this one, in most parsers"},'
        b'{"role":"assistant","content":"*shrugs*"}]}\n',
        b'{"id":8,"source":"discord-export","meta":{"model":"mystery-13b","temperature":1.3},'
        b'"weird":[1,2.5,{"deep":null,"t":true}],"_rolethread":{"entry_uuid":'
        b'"00000000-0000-4000-8000-000000000008","schema":3},"messages":[{"role":"user",'
        b'"content":"Keep my fields."},{"role":"assistant","content":"Of course.",'
        b'"weight":1}],"_review":{"status":"accepted","origin":"generated",'
        b'"future_key":{"x":1}}}\n',
        b'{"conversations":[{"from":"system","value":"You are Kael."},{"from":"human",'
        b'"value":"Who are you?"},{"from":"gpt","value":"*Kael rests a hand on his sword.* '
        b'\\"No one you need to fear.\\""}]}\r\n',
        b'{"messages":[{"role":"user","content":"bad bytes: \xff\xfe and \x80 and caf\xe9"},'
        b'{"role":"assistant","content":"Hm?"}]}\n',
        b'{"messages":[{"role":"user","content":"nul here:\x00<-"},{"role":"assistant",'
        b'"content":"*blinks*"}]}\n',
        b'{"messages":[{"role":"user","content":"Tell me a very long story."},'
        b'{"role":"assistant","content":"' + long_reply() + b'"}],"source":"long-line"}\n',
        b"\n",
        b'{"messages":[{"role":"user","content":"this write was interrupted mid-\n',
        b'[{"role":"user","content":"a bare array of messages"},{"role":"assistant",'
        b'"content":"not an object"}]\r\n',
        b'"just a JSON string on its own line"\n',
        b"null\n",
        b'{"messages":[{"role":"user","content":"lone surrogate: \\ud83d here"},'
        b'{"role":"assistant","content":"ok"}]}\n',
        b'  {"messages":[{"role":"user","content":"caf\\u00e9 vs caf\xc3\xa9 \\u2014 '
        b'\\/slash"},{"role":"assistant","content":"Same text, different bytes."}]}  \t\n',
        b"\n",
        b"\r\n",
        b'{"messages":[{"role":"user","content":"Last line."},{"role":"assistant",'
        b'"content":"*waves* \\"No newline after me.\\""}]}',
    ]


def main() -> int:
    data = b"".join(lines())
    assert data.startswith(BOM) and not data.endswith(b"\n")
    assert len(data) < 4_000_000
    OUT.write_bytes(data)
    print(f"{OUT}: {len(data):,} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
