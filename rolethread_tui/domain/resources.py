"""What the installed package carries besides code: bundled data folders and its version.

The repository keeps `themes/` and `sample_data/` at its top level. Where they are
at run time depends on how the package was installed:

- **wheel** (`pip install .`, `pipx install .`): the build maps both folders into the
  package (pyproject `force-include`), so they are `rolethread_tui/themes/` and
  `rolethread_tui/sample_data/` inside site-packages;
- **checkout** (`pip install -e .`, or `PYTHONPATH` pointing at a clone): the package
  is imported from the clone, and the folders sit beside it at the top level.

`bundled_dir` asks `importlib.resources` where the package is and looks inside it
first, then beside it, so both kinds of install find the same files with one rule
(see docs/packaging.md).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

PACKAGE = "rolethread_tui"
DISTRIBUTION = "rolethread-tui"
UNKNOWN_VERSION = "0+unknown"


def package_root() -> Path:
    """The folder the `rolethread_tui` package is imported from."""
    return Path(str(resources.files(PACKAGE)))


def bundled_dir(name: str) -> Path:
    """The bundled data folder `name` (`"themes"`, `"sample_data"`).

    Inside the package when a wheel put it there, else the checkout's top-level
    folder. When neither exists (a broken install) the in-package path is
    returned, so an error message names where the files should be.
    """
    root = package_root()
    inside, beside = root / name, root.parent / name
    if inside.is_dir() or not beside.is_dir():
        return inside
    return beside


def package_version() -> str:
    """The installed distribution's version (pyproject `[project] version` is the one source).

    A bare checkout that was never installed has no metadata: it reports
    `0+unknown` rather than a number that could be wrong. (`importlib.metadata` is
    imported here, not above: the TUI's start needs only `bundled_dir`.)
    """
    from importlib import metadata

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return UNKNOWN_VERSION
