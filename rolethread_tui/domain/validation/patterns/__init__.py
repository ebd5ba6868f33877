"""The curated pattern lists (a package so the .txt files get installed), and their reader."""

from __future__ import annotations

import os

_HERE = os.path.dirname(os.path.abspath(__file__))


def read_text(name: str) -> str:
    """The text of the list file `name`.

    Read beside this module when the package lies on disk, as an installed
    wheel or a checkout does: ``importlib.resources`` (and the zip support its
    first ``files()`` loads) cost every process ~8 ms before its first entry.
    A package that is not plain files (a zip) is read through it.
    """
    try:
        with open(os.path.join(_HERE, name), encoding="utf-8") as stream:
            return stream.read()
    except OSError:
        from importlib import resources

        return (resources.files(__package__) / name).read_text("utf-8")
