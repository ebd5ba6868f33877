"""The scan cache: reopening an unchanged file reads the scan back, and nothing
else ever does — a changed file, other settings, other code, a damaged cache or
one that cannot be written all give exactly the answers of a fresh scan."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from rolethread_tui import Session
from rolethread_tui.cli.main import main
from rolethread_tui.domain import scan_cache, store
from rolethread_tui.domain.summary import Columns
from rolethread_tui.domain.validation import make_checker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import datagen

ODD_LINES = (b'\xef\xbb\xbf{"messages":[{"role":"user","content":"bom"}]}\r\n\r\n  \n'
             b'{"messages":[{"role":"user","content":"x"},{"role":"assistant",'
             b'"content":"I\'m sorry, but I can\'t help with that."}]}\n'
             b'{broken\n[1,2]\n\n')


@pytest.fixture(autouse=True)
def _small_files_cached(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Cache every file (the real floor is 16 MB) in a directory of the test's own,
    scanned in small chunks so a small file makes many cache segments."""
    monkeypatch.setattr(scan_cache, "CACHE_MIN_BYTES", 0)
    monkeypatch.setattr(store, "CHUNK", 64 << 10)
    monkeypatch.setattr(store, "FIRST_CHUNK", 16 << 10)
    directory = tmp_path / "cache"
    monkeypatch.setenv("ROLETHREAD_CACHE_DIR", str(directory))
    return directory


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Generated entries (flaws, broken lines, duplicates): ~1 MB, ~16 chunks."""
    path = tmp_path_factory.mktemp("gen") / "gen.jsonl"
    datagen.generate(path, 500, seed=7)
    data = path.read_bytes()
    return ODD_LINES + data + b'{"messages":[{"role":"user","content":"no newline at end"}]}'


def _written(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "data.jsonl"
    path.write_bytes(data)
    return path


def _scan(path: Path, **kwargs: Any) -> dict[str, Any]:
    """Everything a scan leaves behind: the index, every column, every finding."""
    s = Session.open(path, claim_lock=False, **kwargs)
    try:
        s.wait()
        c, lines = s.columns, s.store
        return {
            "index": [a.tobytes() for a in (lines.starts, lines.ends, lines.endings,
                                             lines.lines)] + [lines.count, lines.indexed],
            "numbers": [bytes(c.valid), bytes(c.status), bytes(c.origin), c.turns.tobytes(),
                        c.length.tobytes(), c.issue_count.tobytes(), bytes(c.severity),
                        c.digest.tobytes()],
            "lists": [c.flags, c.tags, c.issues, c.preview],
            "findings": dict(c.findings),
            "duplicates": s.engine.exact_duplicates(),
            "rows": [s.row(i) for i in range(0, len(s), 97)],
        }
    finally:
        s.close()


def _caches(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.scan")) if directory.exists() else []


def test_a_reopened_file_reads_its_scan_back_with_the_same_answers(
        tmp_path, generated, _small_files_cached):
    path = _written(tmp_path, generated)
    cold = _scan(path)
    assert len(_caches(_small_files_cached)) == 1
    warm = _scan(path)
    assert warm == cold
    assert len(cold["rows"]) > 5
    lines = store.LineStore(path)
    try:
        slot = scan_cache.ScanCache.of(lines, None)
        assert slot is not None
        assert len(list(slot.read())) > 10  # many segments, all read back
    finally:
        lines.close()


def test_the_cache_is_what_is_read(tmp_path, generated, _small_files_cached, monkeypatch):
    """A warm open computes no row: proof the cached scan is used at all."""
    path = _written(tmp_path, generated)
    cold = _scan(path)

    _no_rows(monkeypatch, "a row on a warm open")
    assert _scan(path) == cold


def test_chunks_shared_with_the_helper_are_read_back_too(tmp_path, generated,
                                                         _small_files_cached, monkeypatch):
    """With the helper process, a chunk is stored while the next one computes — after
    the index has moved on: its cache segment must still say where *it* ended, or a
    warm open finds the cache wrong, drops it and scans everything again."""
    from rolethread_tui.domain import scan, scan_schedule

    monkeypatch.setattr(scan, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(store, "CHUNK", 256 << 10)  # several chunks,
    monkeypatch.setattr(scan_schedule, "REQUEST", 60)  # several requests,
    monkeypatch.setattr(scan_schedule, "SHARE_MIN", 20)
    collect = scan_schedule.ScanSchedule._collect  # each answered before going on
    monkeypatch.setattr(scan_schedule.ScanSchedule, "_collect",
                        lambda self, wait: collect(self, True))
    receive, answers = scan.Helper.receive, []
    monkeypatch.setattr(scan.Helper, "receive",
                        lambda self: answers.append(1) or receive(self))
    path = _written(tmp_path, generated)
    cold = _scan(path)
    assert len(answers) >= 2  # the helper computed lines of several requests

    _no_rows(monkeypatch, "a row on a warm open")
    assert _scan(path) == cold


def _rewrite_same_size(path: Path) -> None:
    """Change one byte of a reply in place, keeping the size and the mtime."""
    st = os.stat(path)
    data = bytearray(path.read_bytes())
    at = data.index(b"sorry")
    data[at:at + 5] = b"SORRY"
    with open(path, "r+b") as f:
        f.write(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_a_file_changed_in_place_is_scanned_again(tmp_path, generated):
    path = _written(tmp_path, generated)
    _scan(path)
    _rewrite_same_size(path)
    fresh = _scan(path, parallel=False)
    os.environ["ROLETHREAD_NO_CACHE"] = "1"
    try:
        assert fresh == _scan(path)
    finally:
        del os.environ["ROLETHREAD_NO_CACHE"]


def test_other_settings_or_other_code_are_a_miss(tmp_path, generated, monkeypatch):
    path = _written(tmp_path, generated)
    default = _scan(path)
    strict = _scan(path, validation={"short_response": 400})
    assert strict["findings"] != default["findings"]
    assert _scan(path) == default  # and the default's answers are not the strict ones
    monkeypatch.setattr(scan_cache, "code_version", lambda: "other code")
    monkeypatch.setattr("rolethread_tui.domain.engine.Engine._rows",
                        _counting(scan_cache, monkeypatch))
    assert _scan(path) == default
    assert scan_cache.rows_computed > 0  # type: ignore[attr-defined]


def _counting(module: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    from rolethread_tui.domain.engine import Engine

    real = Engine._rows
    monkeypatch.setattr(module, "rows_computed", 0, raising=False)

    def rows(self: Engine, *args: Any) -> list:
        module.rows_computed += 1
        return real(self, *args)

    return rows


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage"])
def test_a_damaged_cache_gives_the_same_answers_and_is_replaced(
        tmp_path, generated, _small_files_cached, damage):
    path = _written(tmp_path, generated)
    cold = _scan(path)
    (cache,) = _caches(_small_files_cached)
    data = bytearray(cache.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0xFF
    elif damage == "truncate":
        del data[len(data) * 2 // 3:]
    else:
        data = bytearray(data[:60] + os.urandom(len(data) - 60))
    cache.write_bytes(bytes(data))
    assert _scan(path) == cold
    _scan(path)  # the damaged file went; this open writes a good one again
    assert _scan(path) == cold
    assert len(_caches(_small_files_cached)) == 1


def test_a_cache_that_cannot_be_written_never_stops_a_scan(tmp_path, generated, monkeypatch):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    monkeypatch.setenv("ROLETHREAD_CACHE_DIR", str(blocker / "scan"))
    path = _written(tmp_path, generated)
    first = _scan(path)
    assert _scan(path) == first
    assert blocker.read_text() == "x"


def test_no_cache_writes_nothing(tmp_path, generated, _small_files_cached, monkeypatch):
    monkeypatch.setenv("ROLETHREAD_NO_CACHE", "1")
    path = _written(tmp_path, generated)
    _scan(path)
    assert not _small_files_cached.exists()


def test_edits_made_during_the_scan_never_reach_the_cache(tmp_path, generated):
    """A review and a text edit made while the scan runs change the session's
    columns, never the cached scan of the file's bytes."""
    path = _written(tmp_path, generated)
    os.environ["ROLETHREAD_NO_CACHE"] = "1"
    try:
        cold = _scan(path)
    finally:
        del os.environ["ROLETHREAD_NO_CACHE"]
    s = Session.open(path, claim_lock=False)
    try:
        s.engine.ensure(3)  # the first chunk is in; the scan goes on
        s.set_status(0, "accepted")
        assert s.edit_message(1, 0, "an edited first message")
        s.wait()
        assert s.row(0).status == "accepted"
        assert s.row(1).preview == "an edited first message"
    finally:
        s.close()
    assert _scan(path) == cold
    assert cold["rows"][0].status != "accepted"


def test_headless_stats_answer_the_same_from_the_cache(tmp_path, generated, capsys):
    path = _written(tmp_path, generated)
    outputs = []
    for _ in range(2):
        main(["stats", str(path), "--json"])
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    assert '"entries"' in outputs[0]


def test_prune_keeps_the_newest_within_bounds(tmp_path):
    for k in range(6):
        f = tmp_path / f"{k}.scan"
        f.write_bytes(b"x" * 100)
        os.utime(f, ns=(k * 10**9, k * 10**9))
    stale = tmp_path / ".old.tmp"
    stale.write_bytes(b"")
    os.utime(stale, (0, 0))
    scan_cache.prune(tmp_path, keep=tmp_path / "0.scan", max_files=3, max_bytes=10**6)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0.scan", "3.scan", "4.scan", "5.scan"]
    scan_cache.prune(tmp_path, keep=tmp_path / "5.scan", max_files=10, max_bytes=250)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["4.scan", "5.scan"]


# --------------------------------------------------------------- kept results
def _session_results(path: Path) -> tuple[Any, Any]:
    s = Session.open(path, claim_lock=False)
    try:
        s.wait()
        return s.slop(), s.duplicate_groups()
    finally:
        s.close()



def _no_rows(monkeypatch: pytest.MonkeyPatch, what: str = "a row") -> None:
    """A scan that computes any row fails: the first chunk and any chunk without
    the helper come through `Engine._rows`, the rest through `ScanSchedule.run`."""
    monkeypatch.setattr("rolethread_tui.domain.engine.Engine._rows", _refuse(what))
    monkeypatch.setattr("rolethread_tui.domain.scan_schedule.ScanSchedule.run",
                        _refuse(what))

def _refuse(what: str) -> Any:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError(f"{what} was computed again for an unchanged file")

    return refuse


def test_the_slop_lens_and_duplicate_groups_are_kept_for_an_unchanged_file(
        tmp_path, generated, monkeypatch):
    path = _written(tmp_path, generated)
    report, groups = _session_results(path)
    assert report.entries and groups  # the generated batch has both
    monkeypatch.setattr("rolethread_tui.domain.slop.source.slop_of", _refuse("the lens"))
    monkeypatch.setattr("rolethread_tui.domain.dedupe.DuplicateFinder", _refuse("groups"))
    again, groups_again = _session_results(path)
    assert again == report
    assert again.marks() == report.marks()
    assert groups_again == groups


def test_a_kept_result_is_never_used_once_a_text_changed(tmp_path, generated):
    path = _written(tmp_path, generated)
    report, _ = _session_results(path)
    s = Session.open(path, claim_lock=False)
    try:
        s.wait()
        entry = next(i for i in report.ranked() if i in report.entries)
        s.delete_entries(entry)
        after = s.slop()
        assert after.total == report.total - 1
    finally:
        s.close()
    assert _session_results(path)[0] == report  # and nothing of the edit was kept


def test_headless_slop_and_dedupe_answer_the_same_from_the_cache(
        tmp_path, generated, capsys, monkeypatch):
    path = _written(tmp_path, generated)
    first = []
    for command in ("slop", "dedupe"):
        main([command, str(path), "--json"])
        first.append(capsys.readouterr().out)
    monkeypatch.setattr("rolethread_tui.domain.slop.source._slop_of_file", _refuse("slop"))
    monkeypatch.setattr("rolethread_tui.domain.dedupe_file._groups_of_file", _refuse("dedupe"))
    for command, before in zip(("slop", "dedupe"), first, strict=True):
        main([command, str(path), "--json"])
        assert capsys.readouterr().out == before
    assert '"phrases"' in first[0]


def test_a_damaged_kept_result_is_computed_again(tmp_path, generated, _small_files_cached,
                                                  capsys):
    path = _written(tmp_path, generated)
    main(["slop", str(path), "--json"])
    before = capsys.readouterr().out
    (result,) = [r for r in _caches(_small_files_cached) if r.name.count(".") == 2]
    data = bytearray(result.read_bytes())  # name.hash.scan: a kept result
    data[-5] ^= 0xFF
    result.write_bytes(bytes(data))
    main(["slop", str(path), "--json"])
    assert capsys.readouterr().out == before
    assert result.read_bytes() != bytes(data)  # found damaged, computed, kept afresh


def test_a_reopened_file_says_its_lens_is_kept_only_when_it_is(tmp_path, generated):
    """The app fills in the lens after the scan of a large file only when it is kept."""
    path = _written(tmp_path, generated)
    with Session.open(path, claim_lock=False) as s:
        s.wait()
        assert not s.slop_kept()
        s.slop()
        assert s.slop_kept()
        s.delete_entries(0)
        assert not s.slop_kept()  # the texts are no longer the file's
    _rewrite_same_size(path)
    with Session.open(path, claim_lock=False) as s:
        s.wait()
        assert not s.slop_kept()  # another file now


def test_validate_and_stats_share_one_scan_and_other_settings_keep_their_own(
        tmp_path, generated, capsys, monkeypatch, isolated_home):
    """A pipeline's `validate` then `stats` scans once; a config with other
    settings gets a scan of its own instead of overwriting the default one."""
    path = _written(tmp_path, generated)
    main(["stats", str(path), "--json"])
    _scan(path, validation={"short_response": 400})  # another slot, not a replacement
    _no_rows(monkeypatch)
    assert main(["validate", str(path), "--json"]) in (0, 1)
    assert main(["stats", str(path), "--json"]) == 0
    _scan(path, validation={"short_response": 400})
    capsys.readouterr()


# --------------------------------------------------------------- after a save
def _reviewed_and_saved(path: Path, target: Path | None = None) -> None:
    """A reviewer's session: reviews, a text edit, a delete, a new entry, the
    duplicate groups found (dataset-level issues in the columns), one of an
    exact pair deleted; saved."""
    with Session.open(path, claim_lock=False) as s:
        s.wait()
        s.set_status(range(0, 40, 3), "accepted")
        s.toggle_flag(5, "refusal", True)
        assert s.edit_message(7, 0, "a line written by hand")
        s.delete_entries(11)
        s.add_entry([{"role": "user", "content": "new"}, {"role": "assistant",
                                                          "content": "entry"}], after=20)
        assert s.find_duplicates()
        pairs = s.engine.exact_duplicates()
        assert pairs
        s.delete_entries(next(iter(pairs.values())))  # its copy is no duplicate now
        s.save(target)
        s.engine.wait_saved()


def test_a_saved_file_reopens_warm_with_a_fresh_scans_answers(tmp_path, generated,
                                                               monkeypatch):
    path = _written(tmp_path, generated)
    _scan(path)
    _reviewed_and_saved(path)
    monkeypatch.setenv("ROLETHREAD_NO_CACHE", "1")
    cold = _scan(path)
    monkeypatch.delenv("ROLETHREAD_NO_CACHE")
    _no_rows(monkeypatch)
    assert _scan(path) == cold
    assert cold["rows"][0].status == "accepted"


def test_a_copy_saved_elsewhere_is_kept_too(tmp_path, generated, monkeypatch):
    path, copy = tmp_path / "data.jsonl", tmp_path / "copy.jsonl"
    path.write_bytes(generated)
    _reviewed_and_saved(path, copy)
    monkeypatch.setenv("ROLETHREAD_NO_CACHE", "1")
    cold = _scan(copy)
    monkeypatch.delenv("ROLETHREAD_NO_CACHE")
    assert _scan(copy) == cold


def test_a_save_that_wrote_too_many_lines_leaves_the_scan_to_the_next_open(
        tmp_path, generated, monkeypatch, _small_files_cached):
    from rolethread_tui.domain import saved_scan

    monkeypatch.setattr(saved_scan, "MAX_COMPUTED", 5)
    path = _written(tmp_path, generated)
    _scan(path)
    before = set(_caches(_small_files_cached))
    _reviewed_and_saved(path)
    assert set(_caches(_small_files_cached)) == before  # the old file's, nothing new
    monkeypatch.setenv("ROLETHREAD_NO_CACHE", "1")
    cold = _scan(path)
    monkeypatch.delenv("ROLETHREAD_NO_CACHE")
    assert _scan(path) == cold


def test_a_saved_file_changed_before_its_scan_is_kept_is_not_kept(tmp_path, generated,
                                                                     _small_files_cached):
    from rolethread_tui.domain import saved_scan

    path = _written(tmp_path, generated)
    with Session.open(path, claim_lock=False) as s:
        s.wait()
        s.set_status(0, "accepted")
        s.save()
        s.engine.wait_saved()
        saved = saved_scan.capture(path, s.rids(), frozenset(s.doc.edited_ids()), s.columns,
                                   s.store)
    assert saved is not None
    for cache in _caches(_small_files_cached):
        cache.unlink()
    _rewrite_same_size(path)  # another program wrote to it meanwhile
    saved_scan.keep(saved, Columns(make_checker(None)).compute, None, lambda: False)
    assert _caches(_small_files_cached) == []


def test_a_copy_saved_from_a_file_rewritten_in_place_is_not_kept(tmp_path, generated,
                                                                   monkeypatch):
    """The copy's unedited lines come from the rewritten bytes, not the scanned ones."""
    path, copy = tmp_path / "data.jsonl", tmp_path / "copy.jsonl"
    path.write_bytes(generated)
    with Session.open(path, claim_lock=False) as s:
        s.wait()
        s.set_status(0, "accepted")
        _rewrite_same_size(path)
        s.save(copy)
        s.engine.wait_saved()
    monkeypatch.setenv("ROLETHREAD_NO_CACHE", "1")
    cold = _scan(copy)
    monkeypatch.delenv("ROLETHREAD_NO_CACHE")
    assert _scan(copy) == cold


def test_a_failure_keeping_a_save_never_fails_the_save(tmp_path, generated, monkeypatch):
    def broken(*_args: Any) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr("rolethread_tui.domain.saved_scan.capture", broken)
    path = _written(tmp_path, generated)
    s = Session.open(path, claim_lock=False)
    s.wait()
    s.set_status(0, "accepted")
    s.save()
    assert not s.dirty
    s.set_status(1, "accepted")
    s.save()  # and the next save finds its own file unchanged
    s.close()
    assert _scan(path)["rows"][0].status == "accepted"


def test_kept_answers_change_key_with_the_libraries_they_come_from(monkeypatch):
    real = scan_cache.code_version()
    version = scan_cache._dist_version

    def without_wordfreq(name: str) -> str:
        return "absent" if name == "wordfreq" else version(name)

    scan_cache.code_version.cache_clear()
    monkeypatch.setattr(scan_cache, "_dist_version", without_wordfreq)
    try:
        assert scan_cache.code_version() != real
    finally:
        scan_cache.code_version.cache_clear()


def test_library_versions_are_what_importlib_metadata_reads():
    """Read from the dist-info folders' names (no `importlib.metadata` import on the
    way to the first frame), they are the versions the metadata gives."""
    from importlib import metadata

    for name in ("orjson", "pydantic-core", "rapidfuzz", "wordfreq", "no-such-dist-here"):
        try:
            expected = metadata.version(name)
        except metadata.PackageNotFoundError:
            expected = "absent"
        assert scan_cache._dist_version(name) == expected, name


def _segments(cache: Path) -> tuple[bytes, list[bytes]]:
    import struct

    data = cache.read_bytes()
    head = len(scan_cache._MAGIC) + 20
    pos, out = head, []
    while True:
        _crc, size = struct.unpack_from("<IQ", data, pos)
        pos += 12
        if size == 0:
            return data[:head], out
        out.append(data[pos:pos + size])
        pos += size


def _rewritten(cache: Path, head: bytes, segments: list[bytes]) -> None:
    import struct
    import zlib

    body = b"".join(struct.pack("<IQ", zlib.crc32(s), len(s)) + s for s in segments)
    cache.write_bytes(head + body + struct.pack("<IQ", 0, 0))


@pytest.mark.parametrize("harm", ["dropped", "bad-row"])
def test_a_cache_wrong_inside_valid_checksums_gives_the_same_answers(
        tmp_path, generated, _small_files_cached, harm):
    import marshal

    path = _written(tmp_path, generated)
    cold = _scan(path)
    (cache,) = _caches(_small_files_cached)
    head, segments = _segments(cache)
    if harm == "dropped":
        del segments[len(segments) // 2]
    else:
        index, before, physical, indexed, packed = marshal.loads(segments[3])
        packed = (*packed[:12], [(10**6, (("x", "error", None, False, "y"),))])
        segments[3] = marshal.dumps((index, before, physical, indexed, packed))
    _rewritten(cache, head, segments)
    assert _scan(path) == cold


def test_a_file_ending_in_blank_lines_reopens_without_reading_them(
        tmp_path, generated, monkeypatch):
    path = tmp_path / "data.jsonl"
    path.write_bytes(generated + b"\n" + b" \n" * 100_000)  # three chunks of blanks
    cold = _scan(path)

    def no_helper(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("the file was read again on a warm open")

    monkeypatch.setattr("rolethread_tui.domain.engine.Helper", no_helper)
    assert _scan(path) == cold


def test_the_commands_and_the_app_keep_one_lens_and_one_set_of_groups(
        tmp_path, generated, capsys, monkeypatch):
    """`slop` / `dedupe` in a pipeline, then the app on the same file: the session
    reads what the commands kept (it would compute the very same), and back."""
    path = _written(tmp_path, generated)
    main(["slop", str(path), "--json"])
    main(["dedupe", str(path), "--json"])
    first = capsys.readouterr().out
    with monkeypatch.context() as patched:
        patched.setattr("rolethread_tui.domain.slop.source.slop_of", _refuse("the lens"))
        patched.setattr("rolethread_tui.domain.dedupe.DuplicateFinder", _refuse("groups"))
        with Session.open(path, claim_lock=False) as s:
            s.wait()
            assert s.slop_kept()
            report, groups = s.slop(), s.duplicate_groups()
    monkeypatch.setenv("ROLETHREAD_NO_CACHE", "1")
    assert (report, groups) == _session_results(path)  # what the session computes itself
    monkeypatch.delenv("ROLETHREAD_NO_CACHE")
    monkeypatch.setattr("rolethread_tui.domain.slop.source._slop_of_file", _refuse("slop"))
    monkeypatch.setattr("rolethread_tui.domain.dedupe_file._groups_of_file", _refuse("dedupe"))
    main(["slop", str(path), "--json"])
    main(["dedupe", str(path), "--json"])
    assert capsys.readouterr().out == first
