"""Benchmark the duplicate finder on a generated batch (near-duplicates ≤ 20 s: README).

Why a generator of its own: the figure that matters is how dedupe behaves on batches
where *distinct* entries share a lot — a handful of character cards as system
prompts, replies built from the same stock phrasing, stock lines repeated verbatim —
because that is what makes candidate generation explode. Every sentence is a
template filled per entry (~2 KB per entry); ``--pool N`` is a harsher mode where
whole filled sentences come from a pool of N and recur dozens of times. ~2 % of
entries are planted copies of earlier ones (see ``VARIANTS``); the run reports
recall per variant (over planted pairs whose true similarity reaches the
threshold) and groups that mix distinct entries ("false groups").

The scan is measured as `rolethread-tui dedupe` runs it
(``file_duplicate_groups``): index the file, fingerprint every entry (orjson
parse, normalise, shingle, sign; half in the helper process past 8 MB), then
``groups()`` verifies candidates against the finder's spilled texts. Peak RSS
is measured after the scan, before the recall check reads the whole file.

Usage::

    python benchmarks/bench_dedupe.py                 # N=100000, with the helper
    python benchmarks/bench_dedupe.py --serial        # one process
    python benchmarks/bench_dedupe.py -n 20000 --threshold 0.85
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rolethread_tui.domain.dedupe import (
    DupGroup,
    conversation_text,
    similarity,
)
from rolethread_tui.domain.dedupe_file import file_duplicate_groups


def _word_list(text: str, sep: str | None = None) -> list[str]:
    return text.split(sep)


NAMES = _word_list(
    "Mira Aldric Sable Corin Liora Thane Wren Ysolde Kael Bryn Orsino Tamsin Vesper Idris "
    "Junia Rook Elowen Caspian Nerys Soren Maelis Dorian Ashka Fenwick Isolde Lucan "
    "Perrin Rhosyn Tobiah Zephyra Halden Marisol Quill Bastian Oriel Sefa Taryn Ulric "
    "Vanya Wilmot"
)
PLACES = _word_list(
    "harbour tavern lighthouse library market chapel forest bridge tower garden archive "
    "courtyard cellar observatory orchard ferry inn ruins barracks greenhouse quarry mill "
    "smithy monastery vineyard causeway bathhouse menagerie theatre granary apothecary "
    "shipyard cemetery aqueduct"
)
OBJECTS = _word_list(
    "map lantern letter sword compass ledger amulet key dagger cloak violin journal coin "
    "locket teacup candle feather scroll bottle ring mirror rope satchel spyglass "
    "hourglass music-box chessboard portrait bracelet flute quill inkwell brooch tapestry "
    "lockbox pendant kettle"
)
ADJECTIVES = _word_list(
    "old rusted silver quiet crooked faded gilded heavy tiny broken warm damp ancient "
    "strange familiar polished cracked bright battered delicate scorched mossy painted "
    "chipped carved lacquered tarnished weathered enormous"
)
VERBS = _word_list(
    "picks up|studies|hides|pockets|turns over|sets down|offers|examines|cleans|returns|"
    "weighs|sniffs|polishes|unwraps|taps|traces|tucks away|holds up",
    "|",
)
MOODS = _word_list(
    "softly|quietly|warmly|nervously|slowly|carefully|with a grin|with a sigh|"
    "under her breath|without looking up|half to herself|after a long pause|dryly",
    "|",
)
USER_TEMPLATES = (
    "*I walk into the {place} and look at {name}.* What is that {adj} {obj}?",
    "Can you tell me more about the {obj} you found near the {place}?",
    "*I hand {name} the {adj} {obj}.* I think this belongs to you.",
    "Why were you at the {place} so late last night, {name}?",
    "I don't know what to say. The {obj} was {adj} when I found it.",
    "*I sit down next to {name}.* Tell me about the {place}.",
    "Do you trust me enough to show me the {obj}?",
    "Let's go to the {place} before it gets dark.",
    "*I {verb} the {obj} and frown.* Who left this in the {place}?",
    "Is it true that the {place} was {adj} before the war, {name}?",
    "I heard someone at the {place} is selling a {adj} {obj}.",
    "*I lean against the wall of the {place}.* You look tired, {name}.",
)
ASSISTANT_TEMPLATES = (
    "*{name} {verb} the {adj} {obj} {mood}.*",
    '"The {place} has always been {adj} this time of year," {name} says {mood}.',
    "*{name} smiles {mood} and glances toward the {place}.*",
    '"I found the {obj} in the {place}, under a {adj} floorboard."',
    '"You ask a lot of questions," {name} says, and {verb} the {obj}.',
    "*A {adj} wind moves through the {place} as {name} {verb} the {obj}.*",
    '"Keep the {obj} close. Not everyone at the {place} is a friend."',
    '"I don\'t know what to tell you," {name} admits {mood}.',
    "*{name} leans closer, voice low.* \"The {obj} is older than the {place} itself.\"",
    '"Come with me to the {place}. Bring the {adj} {obj}."',
    "*Somewhere in the {place}, a {adj} bell rings twice.*",
    '"My mother kept a {obj} just like that one," {name} murmurs {mood}.',
    "*{name} {verb} a {adj} {obj} from the shelf and blows the dust away.*",
    '"If the keeper of the {place} asks, you never saw the {obj}."',
    "*The {adj} light of the {place} catches on the {obj} in {name}'s hand.*",
    '"We should not linger at the {place}," {name} warns {mood}.',
)
CARD = (
    "You are {name}, a {adj} keeper of the {place} in a rain-soaked port city. Stay in "
    "character at all times. Write in third person for actions, wrapped in asterisks, and "
    "keep dialogue in quotes. Describe sights, sounds and smells of the {place} vividly. "
    "Never speak for the user, never reveal that you are an AI, and keep replies between "
    "three and six sentences. {name} is curious, guarded with strangers, loyal to friends, "
    "and carries a {obj} everywhere. The story is slow-paced and character-driven."
)
VARIANTS = ("exact", "case_space", "words", "scattered", "sentence", "system")


class BatchGenerator:
    """Seeded roleplay batch: shared cards, templated replies, stock lines, planted copies.

    Every sentence is a template filled per entry, so whole sentences rarely repeat
    but their template words do (the "stock phrase" load); a few hundred stock lines
    recur verbatim across thousands of entries. ``--pool`` switches to a harsher mode
    where whole filled sentences are drawn from a fixed pool and recur dozens of times.
    """

    def __init__(self, seed: int = 1, pool: int = 0) -> None:
        self.rng = random.Random(seed)
        self.cards = [self._fill(CARD) for _ in range(12)]
        self.stock = [self._fill(self.rng.choice(ASSISTANT_TEMPLATES)) for _ in range(300)]
        self.pool = pool
        self.user_pool = [self._fill(self.rng.choice(USER_TEMPLATES)) for _ in range(pool // 2)]
        self.bot_pool = [self._fill(self.rng.choice(ASSISTANT_TEMPLATES)) for _ in range(pool)]
        self.vocab = [*NAMES, *PLACES, *OBJECTS, *ADJECTIVES]

    def _fill(self, template: str) -> str:
        rng = self.rng
        return template.format(
            name=rng.choice(NAMES), place=rng.choice(PLACES), obj=rng.choice(OBJECTS),
            adj=rng.choice(ADJECTIVES), verb=rng.choice(VERBS), mood=rng.choice(MOODS),
        )

    def _sentences(self, templates: tuple[str, ...], pool: list[str], k: int) -> str:
        rng = self.rng
        if pool:
            return " ".join(rng.choices(pool, k=k))
        out = [self._fill(t) for t in rng.choices(templates, k=k)]
        if rng.random() < 0.3:
            out.insert(rng.randrange(k + 1), rng.choice(self.stock))
        return " ".join(out)

    def fresh(self) -> list[dict[str, str]]:
        """A new conversation: one card, 3–5 exchanges (~2 KB as JSON)."""
        rng = self.rng
        messages = [{"role": "system", "content": rng.choice(self.cards)}]
        for _ in range(rng.randint(3, 5)):
            user = self._sentences(USER_TEMPLATES, self.user_pool, rng.randint(1, 2))
            bot = self._sentences(ASSISTANT_TEMPLATES, self.bot_pool, rng.randint(2, 4))
            messages += [{"role": "user", "content": user}, {"role": "assistant", "content": bot}]
        return messages

    def variant(self, messages: list[dict[str, str]], kind: str) -> list[dict[str, str]]:
        """A planted copy of ``messages`` (see VARIANTS)."""
        rng = self.rng
        out = [dict(m) for m in messages]
        replies = [m for m in out if m["role"] == "assistant"]
        if kind == "case_space":
            for m in rng.sample(out, 2):
                m["content"] = "  " + m["content"].upper().replace(" ", "  ") + "\n"
        elif kind == "words":
            for _ in range(rng.randint(2, 6)):
                m = rng.choice(replies)
                words = m["content"].split(" ")
                words[rng.randrange(len(words))] = rng.choice(self.vocab)
                m["content"] = " ".join(words)
        elif kind == "scattered":  # every ~12th word of every turn: the hard case
            for m in out[1:]:
                words = m["content"].split(" ")
                for i in range(rng.randrange(12), len(words), 12):
                    words[i] = rng.choice(self.vocab)
                m["content"] = " ".join(words)
        elif kind == "sentence":
            m = rng.choice(replies)
            m["content"] = m["content"].split("* ", 1)[-1]
        elif kind == "system":
            out[0]["content"] = rng.choice(self.cards) + " Keep the tone gentle."
        return out

    def write(self, path: Path, n: int, dup_rate: float = 0.02) -> list[tuple[int, int]]:
        """Write n lines; return the planted (source, copy, variant) triples."""
        rng = self.rng
        planted: list[tuple[int, int, str]] = []
        recent: list[tuple[int, list[dict[str, str]]]] = []
        with path.open("wb") as out:
            for i in range(n):
                if recent and rng.random() < dup_rate:
                    source, messages = rng.choice(recent)
                    kind = rng.choice(VARIANTS)
                    messages = self.variant(messages, kind)
                    planted.append((source, i, kind))
                else:
                    messages = self.fresh()
                    recent.append((i, messages))
                    if len(recent) > 500:
                        recent.pop(rng.randrange(len(recent)))
                out.write(orjson.dumps({"messages": messages}) + b"\n")
        return planted


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> tuple[float, float]:
    """(this process, finished child processes) user+system CPU seconds."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def scan(path: Path, threshold: float, parallel: bool) -> tuple[list[DupGroup], float]:
    """What `rolethread-tui dedupe` runs: index, fingerprint (half in the helper
    process when ``parallel``), group. Returns (groups, seconds)."""
    started = time.perf_counter()
    groups, _ = file_duplicate_groups(path, threshold, parallel)
    return groups, time.perf_counter() - started


def quality(
    groups: list[DupGroup], planted: list[tuple[int, int, str]], path: Path, threshold: float
) -> tuple[dict[str, tuple[int, int]], int]:
    """Per variant (planted pairs at/above the threshold, of them found in one group),
    and the number of groups holding entries of different planted families."""
    lines = path.read_bytes().splitlines()

    def text(entry: int) -> str:
        return conversation_text(orjson.loads(lines[entry]))

    group_of = {e: i for i, g in enumerate(groups) for e in g.entries}
    recall: dict[str, tuple[int, int]] = {}
    for a, b, kind in planted:
        if similarity(text(a), text(b)) >= threshold:
            hit = a in group_of and group_of[a] == group_of.get(b)
            expected, found = recall.get(kind, (0, 0))
            recall[kind] = (expected + 1, found + hit)
    family: dict[int, int] = {}
    for a, b, _ in planted:
        family[b] = family.get(a, a)
    false = sum(1 for g in groups if len({family.get(e, e) for e in g.entries}) > 1)
    return recall, false


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100_000, help="entries (default 100000)")
    parser.add_argument("--threshold", type=float, default=0.9)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--serial", action="store_true", help="no helper process")
    parser.add_argument("--keep", type=Path, help="write the generated file here and keep it")
    parser.add_argument(
        "--pool", type=int, default=0,
        help="harsh mode: draw whole sentences from a pool of this size (e.g. 30000)",
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "batch.jsonl"
        started = time.perf_counter()
        planted = BatchGenerator(args.seed, args.pool).write(path, args.n)
        generated = time.perf_counter() - started
        size_mb = path.stat().st_size / 1e6
        rss_before = peak_rss_mb()
        cpu_before = cpu_seconds()
        groups, scan_s = scan(path, args.threshold, not args.serial)
        cpu_after = cpu_seconds()
        rss_scan = peak_rss_mb()
        recall, false = quality(groups, planted, path, args.threshold)
    near = sum(1 for g in groups if not g.exact)
    print(f"entries            {args.n} ({size_mb:.0f} MB, generated in {generated:.1f} s)")
    print(f"mode               {'one process' if args.serial else 'with the helper process'}")
    print(f"scan               {scan_s:.2f} s (index, fingerprint, group)")
    own, helper = (after - before for after, before in zip(cpu_after, cpu_before, strict=True))
    print(f"CPU                {own:.2f} s main process + {helper:.2f} s helper")
    print(f"peak RSS           {rss_scan:.0f} MB (before scan {rss_before:.0f} MB)")
    print(f"groups             {len(groups)} ({near} near, {len(groups) - near} exact)")
    expected = sum(e for e, _ in recall.values())
    found = sum(f for _, f in recall.values())
    print(f"planted pairs      {len(planted)}, {expected} at/above threshold: {found} found")
    for kind in VARIANTS:
        e, f = recall.get(kind, (0, 0))
        print(f"  {kind:16} {f}/{e}")
    print(f"false groups       {false}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
