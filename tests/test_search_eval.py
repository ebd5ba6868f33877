"""Evaluating queries: column filters, text checks, the raw-byte prefilter, ranking."""

from __future__ import annotations

import json
import re
import sys

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rolethread_tui.domain import formats
from rolethread_tui.domain.search import Row, parse, quote, scan, select
from rolethread_tui.domain.search.folding import FOLD_TO_ASCII

# -- stage 1: summary columns ----------------------------------------------------------

FRESH = Row()
ACCEPTED = Row(status="accepted", origin="refined", turns=6, length=1500)
FLAGGED = Row(status="rejected", flags=("refusal", "Style"), issues=("refusal",), turns=2)
TAGGED = Row(status="needs_work", origin="human", tags=("Sci Fi", "fantasy"), turns=9, length=199)
BROKEN = Row(valid=False, issues=("invalid-json",))

COLUMNS = [
    ("", FRESH, True),
    ("dragon", FLAGGED, True),  # text terms are not column filters
    ("role:system", FLAGGED, True),
    ("status:unreviewed", FRESH, True),
    ("status:unreviewed", ACCEPTED, False),
    ("status:accepted,rejected", ACCEPTED, True),
    ("status:accepted,rejected", FLAGGED, True),
    ("status:accepted,rejected", TAGGED, False),
    ("-status:unreviewed", FRESH, False),
    ("-status:unreviewed", TAGGED, True),
    ("status:needs_work", TAGGED, True),
    ("status:unreviewed", BROKEN, True),
    ("origin:generated", FRESH, True),
    ("origin:refined,human", ACCEPTED, True),
    ("origin:refined,human", FRESH, False),
    ("-origin:generated", TAGGED, True),
    ("flag:refusal", FLAGGED, True),
    ("flag:style", FLAGGED, True),  # flags compare case-insensitively
    ("flag:REFUSAL", FLAGGED, True),
    ("flag:refusal", FRESH, False),
    ("flag:unsafe,style", FLAGGED, True),
    ("-flag:refusal", FLAGGED, False),
    ("-flag:refusal", FRESH, True),
    ("flag:any", FLAGGED, True),
    ("flag:any", FRESH, False),
    ("-flag:any", FRESH, True),
    ("flag:refusal flag:style", FLAGGED, True),  # repeated fields: all must hold
    ("flag:refusal flag:unsafe", FLAGGED, False),
    ("tag:fantasy", TAGGED, True),
    ("tag:sci fi", TAGGED, False),  # two terms: tag "sci" and the word "fi"
    ('tag:"sci fi"', TAGGED, True),
    ("tag:FANTASY", TAGGED, True),
    ("tag:any", TAGGED, True),
    ("tag:any", FRESH, False),
    ("-tag:fantasy", FRESH, True),
    ("issue:refusal", FLAGGED, True),
    ("issue:refusal", FRESH, False),
    ("issue:any", FLAGGED, True),
    ("issue:any", FRESH, False),
    ("-issue:any", FRESH, True),
    ("issue:warning", FLAGGED, True),
    ("issue:error", FLAGGED, False),
    ("issue:error", BROKEN, True),
    ("issue:invalid-json", BROKEN, True),
    ("turns:>5", ACCEPTED, True),
    ("turns:>6", ACCEPTED, False),
    ("turns:>=6", ACCEPTED, True),
    ("turns:<6", ACCEPTED, False),
    ("turns:<=6", ACCEPTED, True),
    ("turns:6", ACCEPTED, True),
    ("turns:5", ACCEPTED, False),
    ("turns:2..6", ACCEPTED, True),
    ("turns:2..6", TAGGED, False),
    ("turns:7..", TAGGED, True),
    ("turns:..2", FLAGGED, True),
    ("-turns:2..6", TAGGED, True),
    ("-turns:2..6", ACCEPTED, False),
    ("turns:0", BROKEN, True),
    ("len:<200", TAGGED, True),
    ("len:<200", ACCEPTED, False),
    ("len:>1k", ACCEPTED, True),
    ("len:1.5k", ACCEPTED, True),
    ("-len:<200", ACCEPTED, True),
    # combinations
    ("issue:refusal origin:generated", FLAGGED, True),
    ("issue:refusal origin:generated", ACCEPTED, False),
    ("-flag:refusal status:unreviewed turns:>3 dragon", FRESH, False),
    ("-flag:refusal status:unreviewed turns:>3 dragon", Row(turns=4), True),
    ("-flag:refusal status:unreviewed turns:>3 dragon", Row(turns=4, flags=("refusal",)), False),
    ("status:needs_work origin:human tag:fantasy turns:>8 len:<200 -flag:any", TAGGED, True),
    ("status:needs_work origin:human tag:fantasy turns:>8 len:<200 flag:any", TAGGED, False),
]


@pytest.mark.parametrize(("text", "row", "expected"), COLUMNS)
def test_matches_columns(text: str, row: Row, expected: bool) -> None:
    query = parse(text)
    assert query.matches_columns(row) is expected
    assert query.column_predicate(row) is expected


# -- stage 3: text on parsed turns --------------------------------------------------------

CHAT = [
    ("system", "You are Sir Galahad, a knight of the Round Table."),
    ("user", "Tell me about the DRAGON in the north."),
    ("assistant", "The dragon sleeps beneath the mountain, dreaming of gold."),
    ("user", "Will you fight it?"),
    ("assistant", "I fear no beast.\nOnly the silence after."),
]
STRANGER = [("user", "hello"), (None, "The narrator whispers a secret."), ("assistant", "hi")]

TEXT = [
    ("", CHAT, True),
    ("dragon", CHAT, True),
    ("DRAGON Gold", CHAT, True),
    ("drag", CHAT, True),  # substring: a stem finds its inflections
    ("dragon zebra", CHAT, False),
    ("galahad", CHAT, False),  # system text is out of the default scope
    ("role:system galahad", CHAT, True),
    ("role:system dragon", CHAT, False),
    ("in:system,user galahad north", CHAT, True),
    ("in:system,user gold", CHAT, False),
    ("role:system role:assistant galahad gold", CHAT, True),
    ("role:gpt gold", CHAT, True),
    ('"the dragon sleeps"', CHAT, True),
    ('"dragon sleeps the"', CHAT, False),
    ('"no beast. only"', CHAT, False),  # newline is not a space
    ('"beast.\nonly"', CHAT, True),
    ('"gold.\x00will"', CHAT, False),  # never across two turns
    ('"in:system,user"', [("user", "scope is in:system,user")], True),
    ('in:system,user "exact phrase"', [("system", "An Exact Phrase here")], True),
    ('in:system,user "exact phrase"', [("assistant", "an exact phrase")], False),
    ("-zebra", CHAT, True),
    ("-dragon", CHAT, False),
    ("-galahad", CHAT, True),  # exclusions use the same scope
    ("role:system -galahad", CHAT, False),
    ('-"fear no beast"', CHAT, False),
    ('-"fear a beast"', CHAT, True),
    ("dragon -gold", CHAT, False),
    ("dragon -silver", CHAT, True),
    ("narrator", STRANGER, False),  # unknown roles are out of the default scope
    ("in:other narrator", STRANGER, True),
    ("in:all narrator hello", STRANGER, True),
    ("status:accepted dragon", CHAT, True),  # column filters are not text terms
    ("~zebra", CHAT, True),  # fuzzy ranks, it does not filter
    # Unicode: casefold, not just lower
    ("straße", [("user", "STRASSE")], True),
    ("strasse", [("user", "Straße")], True),
    ("ss", [("user", "ß")], True),
    ("-ss", [("user", "ß")], False),
    ("kelvin", [("user", "\u212aelvin")], True),
    ("fine", [("user", "the ﬁne print — really")], True),
    ("café", [("user", "CAFÉ au lait")], True),
    ("ΣΊΣΥΦΟΣ", [("user", "σίσυφος")], True),
    ("zebra", [("user", "no match — at all")], False),
    # Unicode: either canonical form finds the other (docs/query.md)
    ("café", [("user", "a cafe\u0301 noir")], True),
    ("cafe\u0301", [("user", "Café")], True),
    ("CAFÉ", [("user", "CAFE\u0301")], True),
    ("-café", [("user", "a cafe\u0301 noir")], False),
    ("\u212b", [("user", "\u00c5ngstr\u00f6m")], True),  # the Angstrom sign is Å
    ("café", [("user", "a cafe noir")], False),  # accents still count
]


@pytest.mark.parametrize(("text", "turns", "expected"), TEXT)
def test_matches_text(text: str, turns: list, expected: bool) -> None:
    assert parse(text).matches_text(turns) is expected


@pytest.mark.parametrize(
    ("text", "raw", "expected"),
    [
        ("dragon", '{"messages": [{"role": "user", "content": "Dragon', True),
        ("role:system dragon", '{"messages": [{"role": "user", "content": "Dragon', True),
        ("dragon -messages", '{"messages": [{"role": "user", "content": "Dragon', False),
        ("zebra", "not json at all", False),
    ],
)
def test_matches_raw_ignores_scope(text: str, raw: str, expected: bool) -> None:
    assert parse(text).matches_raw(raw) is expected


# -- stage 2: raw-byte prefilter ------------------------------------------------------------


def line_of(text: str, **dumps_kwargs: object) -> bytes:
    record = {"messages": [{"role": "user", "content": text}]}
    return json.dumps(record, **dumps_kwargs).encode().lower()  # type: ignore[arg-type]


PREFILTER = [
    ("", "anything", True),
    ("dragon", "The DRAGON", True),
    ("dragon", "a wyvern", False),
    ("dragon wyvern", "a wyvern", False),
    ("-dragon", "a dragon", True),  # exclusions are never decided on bytes
    ("role:system dragon", "a dragon", True),  # scope neither
    ("status:accepted", "a wyvern", True),
    ("~dragon", "a wyvern", True),
    ('"the wyvern"', "The Wyvern", True),
    ('"the wyvern"', "the  wyvern", False),
    ('"a \\"quoted\\" word"', 'a "quoted" word', True),  # escaped in JSON: skipped
    ('"and/or"', "and/or", True),
    ('"two\tcols"', "two\tcols", True),
    ("drachen", "Drachen — “quoted”", True),
    ("zebra", "Drachen — “quoted”", False),
    ("café", "no accent here", True),  # non-ASCII terms are skipped
    # casefold can make ASCII out of non-ASCII: never reject those
    ("strasse", "Straße", True),
    ("kelvin", "\u212aelvin", True),
    ("fine", "ﬁne", True),
    ("istanbul", "İstanbul", True),
    ("zebra", "Straße", False),
]


@pytest.mark.parametrize(("text", "content", "expected"), PREFILTER)
def test_raw_prefilter(text: str, content: str, expected: bool) -> None:
    query = parse(text)
    assert query.raw_prefilter(line_of(content, ensure_ascii=False)) is expected
    assert query.raw_prefilter(orjson.dumps({"content": content}).lower()) is expected
    # \uXXXX escapes (ensure_ascii=True) must not hide a word either
    assert query.raw_prefilter(line_of(content, ensure_ascii=True)) is expected


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("dragon", rb'{"content": "\u0044ragon"}', True),  # an escaped ASCII letter
        ("dragon", rb'{"content": "\u0064ragon"}', True),
        ("a<b", rb'{"content": "a\u003cb"}', True),  # HTML-safe serialisers
        ("a<b", rb'{"content": "a\u003eb"}', False),
        ("strasse", rb'{"content": "stra\u00dfe"}', True),
        ("strasse", rb'{"content": "stra\u00DFe"}', True),
        ("zebra", rb'{"content": "\u00e9\u00e8"}', False),
        ("zebra", b'\xef\xbb\xbf{"content": "\xff\xfe broken utf-8"}', False),
    ],
)
def test_raw_prefilter_escapes(text: str, line: bytes, expected: bool) -> None:
    assert parse(text).raw_prefilter(line.lower()) is expected


def test_highlight_marks_the_other_canonical_form() -> None:
    assert parse("Café -noir").highlight_terms() == ["cafe\u0301", "Café"]


def test_fold_table_is_complete() -> None:
    """Every non-ASCII character that folds to ASCII is known to the prefilter."""
    found = {}
    for cp in range(0x80, sys.maxunicode + 1):
        c = chr(cp)
        if not 0xD800 <= cp <= 0xDFFF and any(ord(x) < 0x80 for x in c.casefold() + c.lower()):
            found[c] = c.casefold()
    assert found == FOLD_TO_ASCII


# ASCII letters, fold characters and JSON-escaped characters are over-represented
# on purpose: the interesting cases are ASCII terms hidden behind them.
ASCII_CHARS = st.sampled_from("abcdefiknrst STKI")
FOLD_CHARS = st.sampled_from(list(FOLD_TO_ASCII))
TEXT_CHARS = st.one_of(
    ASCII_CHARS,
    FOLD_CHARS,
    ASCII_CHARS,
    FOLD_CHARS,
    st.sampled_from(["\n", "\t", '"', "\\", "/", "<", "&", "'", "\x00"]),
    st.sampled_from(["é", "É", "—", "“", "中", "σ", "Σ", "ς", "\u0307", "😀"]),
    st.characters(exclude_categories=("Cs",)),
)
# A list of chars, not st.text(alphabet=...): text() merges the alphabet into one
# uniform character set and the weighting above would be lost.
TEXTS = st.lists(TEXT_CHARS, max_size=40).map("".join)
ROLES = st.sampled_from(["system", "user", "assistant", "gpt", "Human", "narrator"])


def build_record(shape: str, roles: list[str], texts: list[str]) -> dict:
    if shape == "sharegpt":
        pairs = zip(roles, texts, strict=True)
        return {"conversations": [{"from": r, "value": t} for r, t in pairs]}
    if shape == "parts":
        parts = [[{"type": "text", "text": p} for p in t.split("|")] for t in texts]
        return {"messages": [{"role": r, "content": c} for r, c in zip(roles, parts, strict=True)]}
    return {"messages": [{"role": r, "content": t} for r, t in zip(roles, texts, strict=True)]}


def dumps_escaping(value: object, escaped: str) -> str:
    """A JSON serialiser that writes ``escaped`` characters as ``\\uXXXX`` (upper-case hex)."""
    if isinstance(value, dict):
        pairs = value.items()
        items = (f"{dumps_escaping(k, escaped)}: {dumps_escaping(v, escaped)}" for k, v in pairs)
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(dumps_escaping(v, escaped) for v in value) + "]"
    out = []
    for c in str(value):
        if c in escaped or c in '"\\' or ord(c) < 0x20 or ord(c) > 0x7E:
            data = c.encode("utf-16-be")
            out.extend(f"\\u{data[i:i + 2].hex().upper()}" for i in range(0, len(data), 2))
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


@st.composite
def terms_from(draw: st.DrawFn, texts: list[str]) -> list[str]:
    """Query terms that mostly do occur in the (casefolded) texts, so matches are common."""
    folded = [t.casefold() for t in texts if t]
    terms = []
    for _ in range(draw(st.integers(1, 3))):
        if folded and draw(st.booleans()):
            source = draw(st.sampled_from(folded))
            start = draw(st.integers(0, len(source) - 1))
            end = draw(st.integers(start + 1, min(len(source), start + 8)))
            term = source[start:end]
            runs = re.findall(r"[\x00-\x7f]+", term)
            if runs and draw(st.booleans()):
                term = max(runs, key=len)  # ASCII terms are the ones the prefilter decides
            terms.append(term)
        else:
            terms.append(draw(st.lists(TEXT_CHARS, min_size=1, max_size=4).map("".join)))
    return terms


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    texts=st.lists(TEXTS, min_size=1, max_size=4),
    data=st.data(),
    shape=st.sampled_from(["chatml", "sharegpt", "parts"]),
    scope=st.sampled_from(["", "in:all ", "in:all ", "role:system ", "in:other,user "]),
)
def test_prefilter_never_rejects_a_match(
    texts: list[str], data: st.DataObject, shape: str, scope: str
) -> None:
    roles = data.draw(st.lists(ROLES, min_size=len(texts), max_size=len(texts)))
    record = build_record(shape, roles, texts)
    terms = data.draw(terms_from(texts))
    query = parse(scope + " ".join(quote(t) for t in terms))
    turns = formats.turns(record)
    if not query.matches_text(turns):
        return
    escaped = data.draw(st.text(st.sampled_from("abcdefiknrstSTKI <>&'/"), max_size=5))
    custom = dumps_escaping(record, escaped)
    assert json.loads(custom) == record
    for line in (
        orjson.dumps(record),
        json.dumps(record, ensure_ascii=True).encode(),
        json.dumps(record, ensure_ascii=False, indent=1).encode(),
        custom.encode(),
    ):
        assert query.raw_prefilter(line.lower()), (query, line)


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=60) | TEXTS.map(str.encode), data=st.data())
def test_prefilter_never_rejects_a_raw_match(raw: bytes, data: st.DataObject) -> None:
    text = raw.decode("utf-8", "replace")
    query = parse(" ".join(quote(t) for t in data.draw(terms_from([text]))))
    if query.matches_raw(text):
        assert query.raw_prefilter(raw.lower())


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(TEXTS, min_size=1, max_size=3), data=st.data())
def test_ascii_fast_path_equals_casefold(texts: list[str], data: st.DataObject) -> None:
    """The bytes-lowering path must decide exactly what plain casefolding decides."""
    terms = data.draw(terms_from(texts))
    negated = data.draw(st.lists(st.booleans(), min_size=len(terms), max_size=len(terms)))
    signed = zip(terms, negated, strict=True)
    query = parse(" ".join(("-" if n else "") + quote(t) for t, n in signed))
    folded = [t.casefold() for t in texts]

    def found(term: str) -> bool:  # the spec: in some turn, casefolded
        return any(term.casefold() in f for f in folded)

    expected = all(
        found(t) is not n for t, n in zip(terms, negated, strict=True) if t
    )
    assert query.matches_text([("user", t) for t in texts]) is expected


# -- stage 4: ranking, and the stages together ----------------------------------------------


def test_score_prefers_the_closer_text() -> None:
    query = parse("~dragn fight")
    close = [("user", "Tell me about the dragon fight at dawn, please!")]
    far = [("user", "We baked bread and sang songs all evening.")]
    assert query.score(close) > query.score(far)
    assert 0.0 <= query.score(far) <= 100.0
    assert parse("dragon").score(close) == 0.0


def test_score_uses_the_scope() -> None:
    turns = [("system", "dragon fight"), ("user", "bread")]
    assert parse("role:system ~dragon fight").score(turns) == 100.0
    assert parse("~dragon fight").score(turns) < 100.0


DATASET = [
    ({"messages": [{"role": "user", "content": "A dragon attacks"}]}, Row(turns=1)),
    ({"messages": [{"role": "user", "content": "A dragn fite!"}]}, Row(turns=1)),
    ({"conversations": [{"from": "human", "value": "Dragon"}]}, Row(status="accepted")),
    ({"messages": [{"role": "system", "content": "dragon"}]}, Row(flags=("refusal",))),
    ('{"messages": [dragon broken', Row(valid=False, issues=("invalid-json",))),
    ({"messages": [{"role": "user", "content": "Bread"}]}, Row(turns=5)),
]
LINES = [d if isinstance(d, str) else json.dumps(d) for d, _ in DATASET]
ROWS = [row for _, row in DATASET]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [0, 1, 2, 3, 4, 5]),
        ("dragon", [0, 2, 4]),
        ("dragon -attacks", [2, 4]),
        ("role:system dragon", [3, 4]),
        ("status:unreviewed dragon", [0, 4]),
        ("issue:invalid-json", [4]),
        ("-flag:refusal turns:>0", [0, 1, 5]),
        ("~dragon fight", None),
    ],
)
def test_select(text: str, expected: list[int] | None) -> None:
    query = parse(text)
    found = select(query, ROWS, lambda i: LINES[i].encode())
    if expected is not None:
        assert found == expected
    brute = [
        i for i, (line, row) in enumerate(zip(LINES, ROWS, strict=True))
        if query.matches_columns(row)
        and (
            query.matches_text(formats.turns(json.loads(line)))
            if row.valid
            else query.matches_raw(line)
        )
    ]
    assert sorted(found) == brute


def test_select_ranks_fuzzy_best_first() -> None:
    found = select(parse("~dragon fight"), ROWS, lambda i: LINES[i].encode())
    assert sorted(found) == [0, 1, 2, 3, 4, 5]  # ranking never drops an entry
    assert found[0] in (0, 1) and found[-1] in (3, 5)  # system-only text scores 0


def test_scan_only_reads_lines_it_needs() -> None:
    read: list[int] = []

    def line_at(i: int) -> bytes:
        read.append(i)
        return LINES[i].encode()

    assert list(scan(parse("status:accepted"), ROWS, line_at)) == [(2, 0.0)]
    assert read == []
    assert [i for i, _ in scan(parse("status:accepted dragon"), ROWS, line_at)] == [2]
    assert read == [2]
    assert [i for i, _ in scan(parse("dragon"), ROWS, line_at, indexes=[4, 5])] == [4]


def test_fuzzy_noise_keeps_file_order_after_the_ranked_entries() -> None:
    """Entries that only share letters with the query score 0 and stay in file order."""
    texts = ["The lighthouse keeper rowed out at dusk.",        # the phrase itself
             "Bread, salt and an old violin case.",             # nothing to do with it
             "The lighthose keper rowed out.",                  # misspelt
             "Carrots and turnips grew by the fence."]          # nothing either
    lines = [json.dumps({"messages": [{"role": "assistant", "content": t}]}) for t in texts]
    rows = [Row(valid=True) for _ in lines]
    query = parse("~lighthouse keeper")
    assert query.score([("assistant", texts[1])]) == 0.0
    assert select(query, rows, lambda i: lines[i].encode()) == [0, 2, 1, 3]
