"""Search and filter (docs/query.md): parse a query line, then evaluate it in stages.

    q = parse('-flag:refusal status:unreviewed turns:>3 dragon')
    q.matches_columns(row) and q.raw_prefilter(line.lower()) and q.matches_text(turns)

No Textual import: the session, the CLI (``--where``) and the TUI all use this.
"""

from .evaluate import SlopMarks, apply_slop, scan, select
from .grouped import GroupAt, GroupedView, GroupMarks, apply_groups
from .parser import QueryError, parse
from .query import Query
from .rows import Row, RowLike
from .terms import quote

__all__ = ["GroupAt", "GroupMarks", "GroupedView", "Query", "QueryError", "Row", "RowLike",
           "SlopMarks", "apply_groups", "apply_slop", "parse", "quote", "scan", "select"]
