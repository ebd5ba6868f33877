"""The query language of docs/query.md: what each operator parses to, and its errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rolethread_tui.domain.search import Query, QueryError, parse, quote
from rolethread_tui.domain.search.terms import (
    ALL_ROLES,
    CHECK_SEVERITY,
    DEFAULT_SCOPE,
    FuzzyTerm,
    RangeTerm,
    ScopeTerm,
    SetTerm,
    TextTerm,
)


def word(text: str, negated: bool = False) -> TextTerm:
    return TextTerm(text, negated=negated)


def setterm(field: str, *values: str, negated: bool = False) -> SetTerm:
    return SetTerm(field, frozenset(values), values, negated)


def checks_of(severity: str) -> frozenset[str]:
    return frozenset(c for c, s in CHECK_SEVERITY.items() if s == severity)


PARSES = [
    # free text
    ("", ()),
    ("   ", ()),
    ("dragon", (word("dragon"),)),
    ("Dragon CASTLE", (word("Dragon"), word("CASTLE"))),
    ('"exact phrase"', (TextTerm("exact phrase", phrase=True),)),
    ('"say \\"hi\\" \\\\o/"', (TextTerm('say "hi" \\o/', phrase=True),)),
    ('"  padded "', (TextTerm("  padded ", phrase=True),)),
    ('""', ()),
    ('foo"bar baz"', (word("foo"), TextTerm("bar baz", phrase=True))),
    ("-word", (word("word", negated=True),)),
    ('-"two words"', (TextTerm("two words", phrase=True, negated=True),)),
    ("--x", (word("-x", negated=True),)),
    ("10:30 don't", (word("10:30"), word("don't"))),
    ("naïve café", (word("naïve"), word("café"))),
    # status / origin, comma = any of, -field = negation
    ("status:accepted", (setterm("status", "accepted"),)),
    ("STATUS:Rejected", (setterm("status", "rejected"),)),
    ("status:needs-work", (setterm("status", "needs_work"),)),
    ("status:accepted,rejected", (setterm("status", "accepted", "rejected"),)),
    ("-status:unreviewed", (setterm("status", "unreviewed", negated=True),)),
    ("origin:generated", (setterm("origin", "generated"),)),
    ("origin:refined,human", (setterm("origin", "refined", "human"),)),
    # flag / tag: free names, case-insensitive, quoted values
    ("flag:refusal", (setterm("flag", "refusal"),)),
    ("flag:OOC,refusal", (setterm("flag", "ooc", "refusal"),)),
    ("-flag:refusal", (setterm("flag", "refusal", negated=True),)),
    ("flag:any", (setterm("flag", "any"),)),
    ("flag:refusal,any", (setterm("flag", "any"),)),
    ('tag:"sci fi",fantasy', (setterm("tag", "sci fi", "fantasy"),)),
    ("tag:any", (setterm("tag", "any"),)),
    # issue: check names, any, severities
    ("issue:refusal", (setterm("issue", "refusal"),)),
    ("issue:ends_with_user", (setterm("issue", "ends-with-user"),)),
    ("issue:any", (setterm("issue", "any"),)),
    ("-issue:any", (setterm("issue", "any", negated=True),)),
    ("issue:error", (SetTerm("issue", checks_of("error"), ("error",)),)),
    # turns / len ranges (inclusive bounds)
    ("turns:>5", (RangeTerm("turns", 6, None),)),
    ("turns:>=5", (RangeTerm("turns", 5, None),)),
    ("turns:<3", (RangeTerm("turns", None, 2),)),
    ("turns:<=3", (RangeTerm("turns", None, 3),)),
    ("turns:4", (RangeTerm("turns", 4, 4),)),
    ("turns:=4", (RangeTerm("turns", 4, 4),)),
    ("turns:2..6", (RangeTerm("turns", 2, 6),)),
    ("turns:2..", (RangeTerm("turns", 2, None),)),
    ("turns:..6", (RangeTerm("turns", None, 6),)),
    ("-turns:2..6", (RangeTerm("turns", 2, 6, negated=True),)),
    ("len:<200", (RangeTerm("len", None, 199),)),
    ("len:>2k", (RangeTerm("len", 2001, None),)),
    ("len:1.5k..3k", (RangeTerm("len", 1500, 3000),)),
    ("length:<200", (RangeTerm("len", None, 199),)),
    # scope
    ("role:system", (ScopeTerm(frozenset({"system"})),)),
    ("in:system,user", (ScopeTerm(frozenset({"system", "user"})),)),
    ("role:gpt", (ScopeTerm(frozenset({"assistant"})),)),
    ("in:other", (ScopeTerm(frozenset({None})),)),
    ("in:all", (ScopeTerm(ALL_ROLES),)),
    # fuzzy
    ("~dragn fight", (FuzzyTerm("dragn fight"),)),
    ("~ dragn  fight ", (FuzzyTerm("dragn  fight"),)),
    ("~dragon status:accepted", (FuzzyTerm("dragon status:accepted"),)),
    ('~"dragn fight" status:accepted', (FuzzyTerm("dragn fight"), setterm("status", "accepted"))),
    ("castle ~dragn", (word("castle"), FuzzyTerm("dragn"))),
    # combinations from the brief
    (
        "issue:refusal origin:generated",
        (setterm("issue", "refusal"), setterm("origin", "generated")),
    ),
    (
        "-flag:refusal status:unreviewed turns:>3 dragon",
        (
            setterm("flag", "refusal", negated=True),
            setterm("status", "unreviewed"),
            RangeTerm("turns", 4, None),
            word("dragon"),
        ),
    ),
    (
        'in:system,user "exact phrase"',
        (ScopeTerm(frozenset({"system", "user"})), TextTerm("exact phrase", phrase=True)),
    ),
]


@pytest.mark.parametrize(("text", "terms"), PARSES)
def test_parse(text: str, terms: tuple) -> None:
    query = parse(text)
    assert query.terms == terms
    assert query == Query(terms)


@pytest.mark.parametrize(("text", "_terms"), PARSES)
def test_str_round_trips(text: str, _terms: tuple) -> None:
    query = parse(text)
    assert parse(str(query)) == query


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("", ""),
        ("  dragon   castle ", "dragon castle"),
        ("Status:Accepted turns:>5", "status:accepted turns:>5"),
        ("~dragn fight", '~"dragn fight"'),
        ("~x status:accepted", '~"x status:accepted"'),
        ('~"x" status:accepted', 'status:accepted ~"x"'),
        ("role:system role:user", "in:system in:user"),
        ("in:all", "in:all"),
        ('"re: hi"', '"re: hi"'),
        ('"-x"', '"-x"'),
    ],
)
def test_str_is_normalised(text: str, shown: str) -> None:
    assert str(parse(text)) == shown


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        ("dragon", DEFAULT_SCOPE),
        ("role:system dragon", {"system"}),
        ("role:system role:user", {"system", "user"}),
        ("in:system,user in:assistant", {"system", "user", "assistant"}),
        ("in:any", ALL_ROLES),
        ("in:user,unknown", {"user", None}),
    ],
)
def test_scope(text: str, scope: set) -> None:
    assert parse(text).scope == scope


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("stauts:accepted", 0, "unknown field 'stauts' at column 1 — did you mean 'status'?"),
        ("dragon stauts:x", 7, "unknown field 'stauts' at column 8"),
        ("-stauts:x", 1, "(fields: status, origin, flag, tag, issue, turns, len, role, in"),
        ("re: hello", 0, 'quote it: "re:"'),
        ("status:accpted", 7,
         "bad value 'accpted' for status at column 8 — did you mean 'accepted'?"),
        ("status:accepted,bogus", 16, "bad value 'bogus' for status at column 17"),
        ("status:", 0, "status: needs a value: accepted, rejected, needs_work, unreviewed "
                    "(at column 1)"),
        ("status:accepted,", 16, "empty value in the status: list at column 17"),
        ("origin:robot", 7, "bad value 'robot' for origin"),
        ("flag:", 0, "flag: needs a name like flag:refusal"),
        ("issue:refual", 6, "did you mean 'refusal'?"),
        ("role:narrator", 5, "bad value 'narrator' for role"),
        ("-role:system", 0, "-role: at column 1 cannot be negated"),
        ("-in:user", 0, "-in: at column 1 cannot be negated"),
        ('x "unclosed', 2, "unclosed quote at column 3"),
        ('tag:"oops', 4, "unclosed quote at column 5"),
        ('~"oops', 1, "unclosed quote at column 2"),
        ("turns:abc", 6, "turns: needs a number like turns:>5"),
        ("turns:", 0, "turns: needs a number like turns:>5"),
        ("turns:>", 6, "got '>' at column 7"),
        ("turns:-1", 6, "turns: needs a number"),
        ("turns:1.5", 6, "turns: needs a number"),
        ("turns:>1e9", 6, "turns: needs a number"),
        ("turns:1,2", 8, "turns: takes one number or range, like turns:>5 (at column 9)"),
        ("turns:6..2", 6, "turns:6..2 at column 7 can never match"),
        ("turns:<0", 6, "can never match"),
        ("len:abc", 4, "len: needs a number like len:<200"),
        ("dragon -", 7, "'-' at column 8 needs a word"),
        ("- dragon", 0, "'-' at column 1 needs a word"),
        ("-~x", 0, "cannot be negated (at column 1)"),
        ("~", 0, "~ at column 1 needs text"),
        ("x ~   ", 2, "~ at column 3 needs text"),
        ('~"a" ~b', 5, "only one ~ term is allowed (the second at column 6)"),
    ],
)
def test_errors(text: str, position: int, fragment: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse(text)
    assert caught.value.position == position
    assert fragment in str(caught.value)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("text", ["status:maybe", '"unclosed', "dragon -", "stauts:x", "turns:6..2",
                                  "-order:slop", '~"a" ~b', "status:accepted,"])
def test_an_error_says_its_position_once_as_a_column(text: str) -> None:
    """One position per message, 1-based as a person counts (docs/query.md): no
    0-based offset beside it, and nothing appends a second one (the TUI, `--where`)."""
    with pytest.raises(QueryError) as caught:
        parse(text)
    message = str(caught.value)
    assert message.count(" at ") == 1 and f"column {caught.value.position + 1}" in message
    assert f"at {caught.value.position}" not in message.replace("at column", "")


def test_error_span_covers_the_bad_value() -> None:
    with pytest.raises(QueryError) as caught:
        parse("status:accpted dragon")
    assert (caught.value.position, caught.value.end) == (7, 14)


def test_custom_check_registry() -> None:
    checks = {"refusal": "warning", "my-check": "error"}
    assert parse("issue:my_check", checks=checks).terms == (setterm("issue", "my-check"),)
    assert parse("issue:error", checks=checks).terms[0].values == {"my-check"}
    with pytest.raises(QueryError):
        parse("issue:duplicate", checks=checks)


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        ("", (False, False, False)),
        ("status:accepted", (False, False, True)),
        ("dragon", (True, True, False)),
        ("-dragon", (True, True, False)),
        ("~dragon", (False, True, False)),
        ("role:system", (False, False, False)),
        ("flag:x ~y", (False, True, True)),
    ],
)
def test_needs(text: str, flags: tuple[bool, bool, bool]) -> None:
    query = parse(text)
    assert (query.needs_text, query.needs_turns, query.has_column_filters) == flags


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("", []),
        ("dragon castle", ["dragon", "castle"]),
        ('dragon "dragonfly wing" -castle', ["dragonfly wing", "dragon"]),
        ("Dragon dragon DRAGON", ["Dragon"]),
        ("status:accepted ~dragon", []),
    ],
)
def test_highlight_terms(text: str, terms: list[str]) -> None:
    assert parse(text).highlight_terms() == terms


@pytest.mark.parametrize(
    ("text", "described"),
    [
        ("", "all entries"),
        ("dragon -castle", '"dragon", not "castle"'),
        ("status:accepted,rejected", "status accepted or rejected"),
        ("-flag:refusal", "flag not refusal"),
        ("issue:any", "any issue"),
        ("-flag:any", "no flag"),
        ("turns:>3 len:<2k", "turns >3, len <2k"),
        ("in:system x", '"x", in system'),
        ("~dragn", 'all entries, ranked by ~"dragn"'),
    ],
)
def test_describe(text: str, described: str) -> None:
    assert parse(text).describe() == described


def test_quote_round_trips_any_text() -> None:
    text = 'he said "hi" \\ bye'
    assert parse(quote(text)).terms == (TextTerm(text, phrase=True),)


QUERY_ALPHABET = st.sampled_from(
    [*'abcsz -~":,.<>=\\\t', "status:", "flag:", "turns:", "in:", "tag:", "issue:", "k", "5"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(QUERY_ALPHABET, max_size=12).map("".join) | st.text(max_size=30))
def test_any_text_parses_or_raises_query_error(text: str) -> None:
    try:
        query = parse(text)
    except QueryError as err:
        assert 0 <= err.position <= len(text)
        assert err.end >= err.position
        return
    assert parse(str(query)) == query
