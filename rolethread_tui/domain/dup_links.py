"""Which entries a duplicate group ties together, by record id.

Groups are found on demand (`D`, insights, `dedupe`) and shown in each member's
findings panel. Positions move with every delete, insert, split or join, and a
member may be edited afterwards, so a link keeps record ids and the
conversation digests of the moment it was found: the note is written when it
is shown, naming only partners that still exist unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from math import floor
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the finder (rapidfuzz) loads when groups are first searched for
    from .dedupe import DupGroup
    from .summary import Columns as IssueColumns

SHOWN = 5  # partners named in a note; more become "…"
#: The duplicates view (`D`, the insights figure): every member of a group found,
#: each group's members side by side (docs/query.md, `order:group`).
DUPLICATES_QUERY = "issue:duplicate,near-duplicate order:group"


def earlier_copies(digests: Iterable[tuple[int, int]]) -> dict[int, int]:
    """position → the first position with the same conversation, from (position,
    digest) pairs in file order: the dataset-level `duplicate` check (digest 0: no
    conversation, never one). The scan's answer and `stats --where`'s share it."""
    first: dict[int, int] = {}
    out: dict[int, int] = {}
    for position, key in digests:
        if key and (seen := first.setdefault(key, position)) != position:
            out[position] = seen
    return out


def copy_links(copies: Mapping[int, int], rids: Sequence[int],
               digests: Sequence[int]) -> dict[int, DupLink]:
    """record id → link of every later copy (`earlier_copies`' answer, by position): the
    first copy is no duplicate of a later one, so it has none, but is a member."""
    groups: dict[int, list[int]] = {}
    for position, first in copies.items():
        groups.setdefault(first, [first]).append(position)
    links: dict[int, DupLink] = {}
    for members in groups.values():
        shared = tuple((rids[p], digests[rids[p]]) for p in members)
        for p in members[1:]:
            links[rids[p]] = DupLink("duplicate", 1.0, shared[0][1], shared)
    return links


def member_groups(links: Mapping[int, DupLink]) -> dict[int, tuple[tuple[int, int], ...]]:
    """record id → its group's members, for every member (a scan's first copy too,
    which has no link): which groups a change to a record touches (`recount`)."""
    return {rid: link.members for link in links.values() for rid, _ in link.members}


def recount(links: Mapping[int, DupLink], groups: Mapping[int, tuple[tuple[int, int], ...]],
            rids: Iterable[int] | None, position: Callable[[int], int | None],
            members: Callable[[int, DupLink], list[int]], columns: IssueColumns) -> None:
    """The `duplicate` / `near-duplicate` issue of each member of the groups records
    `rids` are in (None: every group), as the groups are now: a copy whose partners
    were all edited or deleted has none left, one an undo gave a partner back has it
    again. The list's issue count said `!1` with no finding shown (QA pass)."""
    done: set[int] = set()
    for group in groups.values() if rids is None else map(groups.get, rids):
        if group is None or id(group) in done:
            continue
        done.add(id(group))
        for rid, _ in group:
            link = links.get(rid)
            if link is None:
                continue
            at = position(rid)
            if at is not None and any(p != at for p in members(rid, link)):
                columns.add_issue(rid, link.check, "warning")
            else:
                columns.drop_issue(rid, link.check)


@dataclass(frozen=True, slots=True)
class DupLink:
    """One entry's membership: its check, the group's score, its digest then,
    and its group's members as (record id, digest then), its own entry included
    (`partners` skips it): the members of a group share one tuple, however many
    they are, and a scan's copies are still tied when the first of them is edited."""

    check: str
    score: float
    digest: int
    members: tuple[tuple[int, int], ...]


def group_links(groups: Iterable[DupGroup], rids: Sequence[int],
                digests: Sequence[int]) -> dict[int, DupLink]:
    """record id → link for every member of every group (positions → ids)."""
    links: dict[int, DupLink] = {}
    for group in groups:
        check = "duplicate" if group.exact else "near-duplicate"
        members = tuple((rids[p], digests[rids[p]]) for p in group.entries)
        for rid, digest in members:  # one tuple a group: n members, not n²
            links[rid] = DupLink(check, group.score, digest, members)
    return links


def members_now(link: DupLink, position: Callable[[int], int | None],
                digests: Sequence[int]) -> list[int]:
    """Positions of the link's group members still unchanged, ascending (its own
    entry's too, when unchanged): what a note and `=` read, kept per group."""
    return sorted(p for rid, then in link.members
                  if digests[rid] == then and (p := position(rid)) is not None)


def group_firsts(links: Mapping[int, DupLink], position: Callable[[int], int | None],
                 members: Callable[[int, DupLink], list[int]]) -> dict[int, int]:
    """position → its group's first position, for `order:group` (`search/grouped.py`):
    the lowest of the entry and its partners still unchanged (`members`: a group's
    `members_now`, kept per group by the engine). The first of a scan's exact copies
    has no link: it is its own group's first."""
    out: dict[int, int] = {}
    for rid, link in links.items():
        at = position(rid)
        if at is not None:
            now = members(rid, link)  # [] once the entry changed: in no group
            out[at] = now[0] if now else at
    return out


def note(link: DupLink, own: int, members: Sequence[int]) -> str | None:
    """The finding text of the entry at `own` (unchanged since, so among its group's
    `members_now`), or None when all its partners changed since: the first few
    read, however big the group (a cursor move shows it)."""
    count = len(members) - 1
    if count < 1:
        return None
    numbers = [p + 1 for p in members[:SHOWN + 1] if p != own][:SHOWN]
    listed = ", ".join(map(str, numbers)) + (", …" if count > SHOWN else "")
    noun = "entry" if count == 1 else "entries"
    if link.check == "duplicate":
        return f"same conversation as {noun} {listed}"
    score = floor(link.score * 100 + 1e-9) / 100  # cut: 0.996 as "≥ 1.00" read as identical
    return f"nearly the same as {noun} {listed} (similarity ≥ {score:.2f})"
