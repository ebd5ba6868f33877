"""`-o` and `--report` onto a device, a FIFO or `/dev/stdout` (QA).

A character device or FIFO is written into, as a shell redirect would: it stays
what it was (the atomic save renamed a regular file over it, so `-o mynull
--force` left a 600 KB file where the device was), and no --force is needed
(`-o /dev/null` was refused "already exists"). A directory or socket is refused in
one line. Regular files are saved atomically as before (tests/test_safety_files.py).
"""

from __future__ import annotations

import errno
import json
import os
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from rolethread_tui.cli.main import main
from rolethread_tui.domain import writer

from .conftest import chat, clean_entry

COMMANDS = {
    "export": ["export", "{src}", "-o", "{out}"],
    "merge": ["merge", "{src}", "{src}", "-o", "{out}"],
    "validate": ["validate", "{src}", "--fix", "-o", "{out}"],
}


@pytest.fixture
def src(write) -> Path:
    # a trailing-space role is a fixable finding: validate --fix writes a changed line
    return write([clean_entry(i) for i in range(40)] + [chat(("user ", "hi"), ("assistant", "yo"))])


def _run(name: str, src: Path, out: Path, *extra: str) -> int:
    return main([a.format(src=src, out=out) for a in COMMANDS[name]] + list(extra))


def _expected(name: str, src: Path, tmp_path: Path) -> bytes:
    """What the command writes to a regular file."""
    plain = tmp_path / f"plain-{name}.jsonl"
    assert _run(name, src, plain) in (0, 1)
    return plain.read_bytes()


class Reader(threading.Thread):
    """Reads a FIFO to its end, as `cat fifo` would."""

    def __init__(self, fifo: Path) -> None:
        super().__init__(daemon=True)
        self.fifo, self.data = fifo, b""

    def run(self) -> None:
        with open(self.fifo, "rb") as f:
            self.data = f.read()

    def finish(self) -> bytes:
        if self.is_alive():  # nothing opened it for writing: let the reader see an end
            try:
                os.close(os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError as exc:  # ENXIO: it read to the end and closed, still ending
                if exc.errno != errno.ENXIO:
                    raise
        self.join(30)
        return self.data


def _no_sidecar(folder: Path) -> None:
    assert not (folder / ".rolethread").exists()          # no backup of a device or FIFO
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_fifo_is_written_into_without_force(name, src, tmp_path):
    expected = _expected(name, src, tmp_path)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = Reader(fifo)
    reader.start()
    code = _run(name, src, fifo)
    assert reader.finish() == expected
    assert code == 0  # validate --fix: OUT has no error left (tests/test_validate_fix_exit.py)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    _no_sidecar(tmp_path)


def _null_device(folder: Path) -> Path:
    node = folder / "mynull"
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"mknod is not permitted here: {exc}")
    return node


@pytest.mark.parametrize("name", list(COMMANDS))
@pytest.mark.parametrize("force", [False, True])
def test_a_character_device_stays_a_device(name, force, src, tmp_path):
    node = _null_device(tmp_path)
    assert _run(name, src, node, *(["--force"] if force else [])) in (0, 1)
    assert stat.S_ISCHR(node.lstat().st_mode) and node.lstat().st_rdev == os.makedev(1, 3)
    _no_sidecar(tmp_path)


def test_a_report_goes_into_a_device_too(write, tmp_path, capsys):
    node = _null_device(tmp_path)
    src = write([clean_entry(0), chat(("assistant", "first, without a user turn"))])
    out = tmp_path / "out.jsonl"
    assert main(["export", str(src), "-o", str(out), "--clean", "--report", str(node)]) == 0
    assert stat.S_ISCHR(node.lstat().st_mode) and out.is_file()


def test_a_report_goes_into_a_fifo(write, tmp_path):
    src = write([clean_entry(0), chat(("assistant", "first, without a user turn"))])
    fifo = tmp_path / "report"
    os.mkfifo(fifo)
    reader = Reader(fifo)
    reader.start()
    code = main(["export", str(src), "-o", str(tmp_path / "out.jsonl"), "--clean",
                 "--report", str(fifo)])
    assert b'"line":2' in reader.finish() and code == 0
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_dev_stdout_into_a_pipe(src, tmp_path):
    expected = _expected("export", src, tmp_path)
    proc = subprocess.run([sys.executable, "-m", "rolethread_tui", "export", str(src),
                           "-o", "/dev/stdout"], capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == expected


@pytest.mark.parametrize("name", ["export", "merge"])
def test_dash_is_standard_output_not_a_file_named_dash(name, src, tmp_path):
    """`-o -` wrote a file named "-" in the current folder, quietly (QA)."""
    expected = _expected(name, src, tmp_path)
    args = [a.format(src=src, out="-") for a in COMMANDS[name]]
    proc = subprocess.run([sys.executable, "-m", "rolethread_tui", *args], cwd=tmp_path,
                          capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == expected
    assert not (tmp_path / "-").exists()


def test_dev_stdout_redirected_to_a_file_is_appended_to(src, tmp_path):
    expected = _expected("export", src, tmp_path)
    out = tmp_path / "redirected.jsonl"
    out.write_bytes(b"kept\n")
    with open(out, "ab") as f:  # what `>> redirected.jsonl` gives the command
        proc = subprocess.run([sys.executable, "-m", "rolethread_tui", "export", str(src),
                               "-o", "/dev/stdout"], stdout=f, stderr=subprocess.PIPE,
                              check=False)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == b"kept\n" + expected


def test_dev_stdout_truncated_by_the_shell_keeps_the_data_before_the_report(write, tmp_path):
    """`validate --fix -o /dev/stdout > out`: the data was written through a new open
    file at offset 0, and the findings printed to stdout afterwards overwrote it
    (review). Written through our own descriptor, the data is whole; the report goes
    to stderr, since OUT is stdout itself (appended to the data, it corrupted it: QA)."""
    src = write([chat(("user", " padded "), ("assistant", "ok")), clean_entry(1)])
    out = tmp_path / "out.txt"
    with open(out, "wb") as f:  # what `> out.txt` gives the command
        proc = subprocess.run([sys.executable, "-m", "rolethread_tui", "validate", "--fix",
                               "-o", "/dev/stdout", str(src)], stdout=f,
                              stderr=subprocess.PIPE, check=False)
    assert proc.returncode == 0, proc.stderr
    lines = out.read_bytes().splitlines()
    entries = [json.loads(line) for line in lines]  # the data alone
    assert entries[0]["messages"][0]["content"] == "padded"
    assert entries[1]["messages"] == clean_entry(1)["messages"] and len(entries) == 2
    assert b"missing-system" in proc.stderr


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_folder_or_socket_is_refused_in_one_line(name, src, tmp_path, capsys):
    folder = tmp_path / "folder"
    folder.mkdir()
    sock_path = tmp_path / "s"
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(sock_path))
        for out, what in ((folder, "a directory"), (sock_path, "a socket")):
            assert _run(name, src, out, "--force") == 2
            err = capsys.readouterr().err
            assert err == f"rolethread-tui: {out}: not a regular file ({what})\n"
        assert stat.S_ISSOCK(sock_path.lstat().st_mode) and folder.is_dir()
    finally:
        sock.close()


def test_write_atomic_writes_into_a_fifo_and_refuses_a_socket(tmp_path):
    fifo = tmp_path / "f"
    os.mkfifo(fifo)
    link = tmp_path / "link"
    link.symlink_to(fifo.name)
    reader = Reader(fifo)
    reader.start()
    writer.write_atomic(link, [b"a\n", b"b\n"])
    assert reader.finish() == b"a\nb\n"
    assert link.is_symlink() and stat.S_ISFIFO(fifo.lstat().st_mode)
    sock_path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        with pytest.raises(OSError, match="not a regular file"):
            writer.write_atomic(sock_path, [b"x\n"])


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
def test_a_full_device_is_named_in_one_line(src, capsys):
    """`-o /dev/full` said "[Errno 28] No space left on device", naming no file (QA)."""
    assert _run("export", src, Path("/dev/full")) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("/dev/full: No space left on device") and "Errno" not in err
    assert len(err.splitlines()) == 1
