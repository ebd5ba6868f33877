"""Sharded datasets, one byte range at a time: the pure halves of the distributed commands.

Why a package of its own: a cluster engine (Dask, see `cli/engine_dask.py` and
docs/scale.md) ships *functions* to workers, and those functions must be the
same per-line code the single-machine commands run, with no engine imported.
`partitions` cuts shards into byte ranges and reads a range's lines with the
store's own line rules; `tasks` holds the per-partition functions (findings,
tallies, fingerprints, export pieces) that return plain, picklable data;
`merging` is what a driver does with their answers (line numbers, sorting,
sums, exact duplicates); `bands` is the near-duplicate stage between them
(band keys → buckets → candidate pairs → verified pairs), with the finder's
own rules. Nothing here imports Dask.
"""
