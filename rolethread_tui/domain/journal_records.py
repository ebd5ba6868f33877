"""The journal's file format: paths, one JSON line per step, the header (see `journal`).

Encoding and decoding only; `journal` appends, `pending` reads back.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import orjson

from .history import Change, Replaced, Reviewed, Splice, State
from .store import FileStamp
from .writer import sidecar

VERSION = 1
SUFFIX = ".journal"
BASE_SUFFIX = ".journal.base"
BIG = 4096  # states in a change above which the cyclic GC is paused while encoding

StepKind = Literal["change", "undo", "redo", "saved", "saving"]


class JournalError(ValueError):
    """A journal line that is not a valid record (the reader stops there)."""


# ----------------------------------------------------------------- paths
def journal_path(data_path: str | os.PathLike[str]) -> Path:
    return sidecar(data_path, SUFFIX)


def base_path(data_path: str | os.PathLike[str]) -> Path:
    return sidecar(data_path, BASE_SUFFIX)


# ----------------------------------------------------------------- encoding
def _dumps(obj: Any) -> bytes:
    """Compact JSON; the stdlib for what orjson refuses (ints beyond 64 bits, lone surrogates).

    Review dicts come from the user's file, which `parse_line` also reads with
    the stdlib fallback, so they may hold such values. `Reviewed` states are
    dataclasses orjson writes natively as {"review": …} (the fast path for a
    bulk op's 100k states); the fallback spells them out.
    """
    try:
        return orjson.dumps(obj)
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(obj, separators=(",", ":"), default=encode_state).encode("ascii")


def _loads(line: bytes) -> Any:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line.decode("utf-8"))


def encode_state(state: State) -> dict[str, Any] | None:
    """None → null; Reviewed → {"review": …}; Replaced → {"line": str} or {"line_b64": …}.

    Readable text when the line is valid UTF-8 (the usual case, easy to
    inspect); base64 otherwise, so lines with invalid bytes survive exactly.
    """
    if state is None:
        return None
    if isinstance(state, Reviewed):
        return {"review": state.review}
    if isinstance(state, Replaced):
        try:
            return {"line": state.line.decode("utf-8")}
        except UnicodeDecodeError:
            return {"line_b64": base64.b64encode(state.line).decode("ascii")}
    raise TypeError(f"unknown record state {state!r:.80}")


def decode_state(obj: Any) -> State:
    if obj is None:
        return None
    if isinstance(obj, dict):
        if "review" in obj:
            review = obj["review"]
            if review is None or isinstance(review, dict):
                return Reviewed(review)
        elif isinstance(obj.get("line"), str):
            return Replaced(obj["line"].encode("utf-8"))
        elif isinstance(obj.get("line_b64"), str):
            return Replaced(base64.b64decode(obj["line_b64"], validate=True))
    raise JournalError(f"bad state {obj!r:.80}")


def encode_change(change: Change) -> bytes:
    """One `change` record (no newline)."""
    return _dumps({
        "t": "change",
        "label": change.label,
        "states": _states_json(change.states),
        "splices": [[s.insert, s.pairs] for s in change.splices],
        "focus": change.focus,
    })


def _states_json(states: dict[int, tuple[State, State]]) -> list[list[Any]]:
    """[[rid, before, after], …] leaving None and `Reviewed` to orjson (see `_dumps`).

    Only `Replaced` needs Python (its bytes are not JSON); a plain loop with
    class checks keeps a 100k-entry bulk op well under a second.
    """
    out = []
    append = out.append
    for rid, (before, after) in states.items():
        if before.__class__ is Replaced:
            before = encode_state(before)
        if after.__class__ is Replaced:
            after = encode_state(after)
        append([rid, before, after])
    return out


def decode_change(rec: dict[str, Any]) -> Change:
    states = {_int(rid): (decode_state(b), decode_state(a)) for rid, b, a in rec["states"]}
    splices = [Splice(tuple((_int(p), _int(r)) for p, r in pairs), insert is True)
               for insert, pairs in rec["splices"]]
    focus = rec.get("focus")
    return Change(str(rec.get("label", "")), states, splices,
                  None if focus is None else _int(focus))


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise JournalError(f"expected an integer, got {value!r:.40}")
    return value


def _stamp_json(stamp: FileStamp) -> dict[str, Any]:
    return {"size": stamp.size, "mtime_ns": stamp.mtime_ns, "inode": stamp.inode,
            "digest": stamp.digest, "ctime_ns": stamp.ctime_ns}


def _stamp_of(obj: Any) -> FileStamp:
    if not isinstance(obj, dict):
        raise JournalError("bad file stamp")
    return FileStamp(_int(obj["size"]), _int(obj["mtime_ns"]), _int(obj["inode"]),
                     str(obj["digest"]), _int(obj.get("ctime_ns", 0)))


def _same_bytes(a: FileStamp, b: FileStamp) -> bool:
    """Same content as far as a stamp can tell; the inode differs for a copied base."""
    return (a.size, a.mtime_ns, a.digest) == (b.size, b.mtime_ns, b.digest)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# ----------------------------------------------------------------- records
@dataclass(frozen=True, slots=True)
class JournalHeader:
    """The first line: which file, in which state, the steps apply to."""

    path: str
    stamp: FileStamp
    reviewer: str
    created: str
    version: int = VERSION
    host: str = ""
    pid: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"t": "header", "v": self.version, "path": self.path,
                "stamp": _stamp_json(self.stamp), "reviewer": self.reviewer,
                "created": self.created, "host": self.host, "pid": self.pid}

    @classmethod
    def from_json(cls, rec: Any) -> JournalHeader:
        if not isinstance(rec, dict) or rec.get("t") != "header":
            raise JournalError("the first line is not a journal header")
        version = _int(rec.get("v"))
        if version > VERSION:
            raise JournalError(f"journal format {version} is newer than this program")
        return cls(str(rec["path"]), _stamp_of(rec["stamp"]), str(rec.get("reviewer", "")),
                   str(rec.get("created", "")), version, str(rec.get("host", "")),
                   _int(rec.get("pid", 0)))


@dataclass(frozen=True, slots=True)
class Step:
    """One decoded journal step."""

    kind: StepKind
    change: Change | None = None
    stamp: FileStamp | None = None


def decode_step(rec: Any) -> Step:
    if not isinstance(rec, dict):
        raise JournalError("a record is not an object")
    kind = rec.get("t")
    try:
        if kind == "change":
            return Step("change", change=decode_change(rec))
        if kind in ("saved", "saving"):
            return Step(kind, stamp=_stamp_of(rec["stamp"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise JournalError(f"bad {kind} record: {exc}") from exc
    if kind in ("undo", "redo"):
        return Step(kind)
    raise JournalError(f"unknown record type {kind!r:.40}")



def datasync(fd: int) -> None:
    """fdatasync: the data and the new size, without the mtime update (cheaper)."""
    getattr(os, "fdatasync", os.fsync)(fd)
