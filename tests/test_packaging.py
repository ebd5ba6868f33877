"""A built wheel works on its own: themes, the sample and the version travel with it.

The wheel is built from this checkout (hatchling, without build isolation, so no
download) and installed into a fresh venv that sees the test environment's
packages only through a `.pth` line added after the install, so the only
`rolethread_tui` it can import is the one from the wheel. Every command then runs
from a folder outside the repository, with no PYTHONPATH.

Also here: the bundled sample is opened as the user's copy, never in place.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

from rolethread_tui.domain.journal import journal_path
from rolethread_tui.domain.resources import bundled_dir, package_root, package_version
from rolethread_tui.domain.sample import (
    SAMPLE_NAME,
    STAMP_NAME,
    bundled_sample,
    prepare_sample_copy,
    sample_dir,
)
from rolethread_tui.domain.themes import bundled_themes_dir

REPO = Path(__file__).resolve().parents[1]
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]["version"]
SNIPPET = """
import json, sys
import rolethread_tui
from rolethread_tui.domain.themes import bundled_themes_dir, discover_themes
from rolethread_tui.domain.sample import bundled_sample, prepare_sample_copy
specs, warnings = discover_themes([bundled_themes_dir()])
copy = prepare_sample_copy()
json.dump({"package": rolethread_tui.__file__, "version": rolethread_tui.__version__,
           "themes_dir": str(bundled_themes_dir()), "themes": sorted(specs),
           "warnings": warnings, "sample": str(bundled_sample()), "copy": str(copy.path),
           "label": copy.label}, sys.stdout)
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Build the wheel, install it into a fresh venv; return the paths the tests use."""
    root = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index",
          "--no-build-isolation", "--wheel-dir", str(root / "dist"), str(REPO)], cwd=root)
    (wheel,) = (root / "dist").glob("rolethread_tui-*.whl")
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=root)
    python = venv / "bin" / "python"
    # pip --python: the new venv sees nothing else yet, so pip installs into it for real
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
          "--no-deps", "--no-index", str(wheel)], cwd=root)
    site = Path(_run([str(python), "-c", "import sysconfig; "
                      "print(sysconfig.get_paths()['purelib'])"], cwd=root).stdout.strip())
    # Dependencies (textual, orjson, ...) from the test environment, after the wheel's own
    # site-packages on sys.path. A plain path line: that folder's own .pth files (an
    # editable install of this checkout) are not run, so the checkout stays invisible.
    (site / "zz_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", "utf-8")
    work = root / "elsewhere"
    work.mkdir()
    return {"wheel": wheel, "venv": venv, "python": python, "site": site, "work": work,
            "data": root / "xdg-data"}


def _env(installed: dict[str, Path] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONNOUSERSITE"] = "1"
    if installed is not None:
        env["XDG_DATA_HOME"] = str(installed["data"])
    return env


def _run(cmd: list[str], cwd: Path, installed: dict[str, Path] | None = None,
         ) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, cwd=cwd, env=_env(installed), capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, f"{cmd[:4]} -> {done.returncode}\n{done.stderr[-2000:]}"
    return done


def _inside(path: str | Path, folder: Path) -> bool:
    return Path(path).resolve().is_relative_to(folder.resolve())


# --- the wheel ------------------------------------------------------------------------


def test_wheel_carries_every_module_theme_and_sample(installed: dict[str, Path]) -> None:
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    modules = {p.relative_to(REPO).as_posix() for p in (REPO / "rolethread_tui").rglob("*.py")}
    assert modules - names == set()
    # the stylesheet RoleThreadApp.CSS_PATH loads: without it the app would not start
    sheets = {p.relative_to(REPO).as_posix() for p in (REPO / "rolethread_tui").rglob("*.tcss")}
    assert "rolethread_tui/tui/app.tcss" in sheets and sheets <= names
    assert (installed["site"] / "rolethread_tui" / "tui" / "app.tcss").is_file()
    themes = {f"rolethread_tui/themes/{p.name}" for p in (REPO / "themes").glob("*.toml")}
    samples = {f"rolethread_tui/sample_data/{p.name}"
               for p in (REPO / "sample_data").glob("*.jsonl")}
    assert themes and samples
    assert (themes | samples) - names == set()
    assert not any(name.startswith(("themes/", "sample_data/", "tests/")) for name in names)


def test_installed_version_is_the_pyproject_version(installed: dict[str, Path]) -> None:
    done = _run([str(installed["venv"] / "bin" / "rolethread-tui"), "--version"],
                cwd=installed["work"], installed=installed)
    assert done.stdout == f"rolethread-tui {VERSION}\n"


def test_installed_package_finds_its_own_themes_and_sample(installed: dict[str, Path]) -> None:
    done = _run([str(installed["python"]), "-c", SNIPPET], cwd=installed["work"],
                installed=installed)
    found = json.loads(done.stdout)
    site = installed["site"]
    assert _inside(found["package"], site)
    assert _inside(found["themes_dir"], site) and _inside(found["sample"], site)
    assert found["themes"] == sorted(p.stem for p in (REPO / "themes").glob("*.toml"))
    assert found["warnings"] == []
    assert found["version"] == VERSION
    # no FILE: the user's copy under XDG_DATA_HOME, same bytes as the packaged sample
    copy = Path(found["copy"])
    assert _inside(copy, installed["data"]) and found["label"].startswith("sample copy: ")
    assert copy.read_bytes() == Path(found["sample"]).read_bytes()


def test_headless_stats_on_the_packaged_sample(installed: dict[str, Path]) -> None:
    packaged = installed["site"] / "rolethread_tui" / "sample_data" / SAMPLE_NAME
    done = _run([str(installed["venv"] / "bin" / "rolethread-tui"), "stats", str(packaged),
                 "--json"], cwd=installed["work"], installed=installed)
    stats = json.loads(done.stdout)
    lines = [x for x in (REPO / "sample_data" / SAMPLE_NAME).read_bytes().splitlines()
             if x.strip()]
    assert stats["entries"] == len(lines)
    assert sum(stats["status"].values()) == stats["entries"]
    assert not (packaged.parent / ".rolethread").exists()  # reading wrote nothing beside it


# --- lookup in this checkout ------------------------------------------------------------


def test_checkout_finds_the_top_level_folders() -> None:
    """Imported from the clone (editable install, PYTHONPATH): the folders beside the package."""
    assert package_root() == REPO / "rolethread_tui"
    assert bundled_themes_dir() == REPO / "themes"
    assert bundled_sample() == REPO / "sample_data" / SAMPLE_NAME
    assert package_version() == VERSION


def test_package_folder_wins_over_the_checkout(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "rolethread_tui"
    (package / "themes").mkdir(parents=True)
    (tmp_path / "themes").mkdir()
    monkeypatch.setattr("rolethread_tui.domain.resources.package_root", lambda: package)
    assert bundled_dir("themes") == package / "themes"
    assert bundled_dir("sample_data") == package / "sample_data"  # missing: names the place


# --- the sample opens as the user's copy ----------------------------------------------


@pytest.fixture
def bundled(tmp_path: Path) -> Path:
    path = tmp_path / "bundled" / SAMPLE_NAME
    path.parent.mkdir()
    path.write_bytes(b'{"messages": [{"role": "user", "content": "hi"}]}\n')
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_first_start_copies_the_sample_into_xdg_data(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    before = _digest(bundled_sample())
    copy = prepare_sample_copy()
    assert copy.path == tmp_path / "data" / "rolethread-tui" / "sample" / SAMPLE_NAME
    assert sample_dir() == copy.path.parent
    assert copy.path.read_bytes() == bundled_sample().read_bytes()
    assert copy.note is None and copy.label.startswith("sample copy: ")
    copy.path.write_bytes(b"reviewed\n")
    assert _digest(bundled_sample()) == before  # the bundled file is never the one written


def test_default_data_folder_is_under_home(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert sample_dir() == tmp_path / ".local" / "share" / "rolethread-tui" / "sample"


def test_later_starts_keep_the_reviewed_copy(bundled: Path, tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    first = prepare_sample_copy(bundled, folder)
    first.path.write_bytes(b"my reviews\n")
    again = prepare_sample_copy(bundled, folder)
    assert again.path.read_bytes() == b"my reviews\n" and again.note is None


def test_new_bundled_sample_replaces_an_untouched_copy(bundled: Path, tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    prepare_sample_copy(bundled, folder)
    bundled.write_bytes(b"new release sample\n")
    copy = prepare_sample_copy(bundled, folder)
    assert copy.path.read_bytes() == b"new release sample\n" and copy.note is None
    assert (folder / STAMP_NAME).read_text().strip() == _digest(bundled)


def test_new_bundled_sample_never_replaces_user_work(bundled: Path, tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    first = prepare_sample_copy(bundled, folder)
    first.path.write_bytes(b"my reviews\n")
    bundled.write_bytes(b"new release sample\n")
    copy = prepare_sample_copy(bundled, folder)
    assert copy.path.read_bytes() == b"my reviews\n"
    assert copy.note is not None and "kept" in copy.note and "delete" in copy.note


def test_unsaved_journal_keeps_the_copy(bundled: Path, tmp_path: Path) -> None:
    """Same bytes as bundled, but edits wait in the journal: replacing would orphan them."""
    folder = tmp_path / "copy"
    first = prepare_sample_copy(bundled, folder)
    journal_path(first.path).parent.mkdir()
    journal_path(first.path).write_bytes(b"{}\n")
    bundled.write_bytes(b"new release sample\n")
    copy = prepare_sample_copy(bundled, folder)
    assert copy.path.read_bytes() == b'{"messages": [{"role": "user", "content": "hi"}]}\n'
    assert copy.note is not None


def test_copy_without_stamp_is_repaired_when_it_is_the_bundled_file(
        bundled: Path, tmp_path: Path) -> None:
    """A start killed between writing the copy and its stamp."""
    folder = tmp_path / "copy"
    folder.mkdir()
    (folder / SAMPLE_NAME).write_bytes(bundled.read_bytes())
    copy = prepare_sample_copy(bundled, folder)
    assert copy.note is None
    assert (folder / STAMP_NAME).read_text().strip() == _digest(bundled)


def test_missing_bundled_sample_is_an_oserror_naming_it(tmp_path: Path) -> None:
    with pytest.raises(OSError) as info:
        prepare_sample_copy(tmp_path / "nope.jsonl", tmp_path / "copy")
    assert info.value.filename == str(tmp_path / "nope.jsonl")
    assert not (tmp_path / "copy").exists()

