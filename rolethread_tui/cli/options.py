"""Options several headless commands share, in a module of their own: a command's
parser is built before it runs, and `engine_dask` (where the Dask runs live) pulls
in most of the domain (~0.15 s) that a local run may never need."""

from __future__ import annotations

import argparse


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    """`--engine` and `--scheduler`, the same on every command that runs on Dask."""
    parser.add_argument("--engine", choices=("local", "dask"), default="local",
                        help="dask: FILE is a glob or directory of shards, run on a Dask "
                             "cluster (needs the 'dask' extra; docs/scale.md)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="with --engine dask: a running scheduler (tcp://host:8786); "
                             "default a local cluster of 2 worker processes")
