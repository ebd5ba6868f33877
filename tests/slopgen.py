"""Test data for the slop lens: varied human-like prose, optionally with planted slop.

Clean replies are built word by word from large pools under a handful of sentence
shapes, so no 4-word phrase recurs across many entries (as in text people write).
Planted entries get a catchphrase, a stock opener and a generic closer; which
entries and which phrases is fixed by the seed, so the tests know the answer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

import orjson


def _pool(text: str) -> tuple[str, ...]:
    """The whitespace-separated words of a pool."""
    return tuple(text.split())


DETS = ("the", "a", "one", "that", "this", "every", "some", "her", "his", "our", "their", "my")
ADJS = _pool("""
old quiet narrow green heavy bright dusty wooden broken tall crooked muddy cold warm sharp
soft rusty painted crowded empty small large northern southern wet dry hollow frozen
stone iron copper silver paper woollen leather narrow gentle rough thin thick pale dark
sunny windy rainy early late distant nearby hidden open closed clean dirty yellow red blue
grey brown black white sleepy busy noisy silent careful clumsy honest stubborn patient
curious tired hungry cheerful grumpy shy proud lazy clever nervous lucky humble modest
spare borrowed favourite ordinary simple plain faded polished shallow steep flat round
square oval curved bent folded torn sticky smooth bumpy slippery sour sweet bitter salty
""")
NOUNS = _pool("""
baker farmer miller sailor teacher doctor porter tailor cobbler weaver potter carpenter
neighbour cousin uncle aunt grandmother student clerk driver gardener fisherman shepherd
kettle lantern ladder bucket basket bridge fence gate window door table chair shelf barrel
wagon cart boat rope net hammer saw spade rake broom candle blanket pillow coat boot hat
scarf glove river creek pond field meadow orchard garden barn stable mill market square
harbour station church school library bakery kitchen cellar attic roof chimney street lane
road path hill valley forest village town city letter parcel ticket map coin key lock
bottle jar cup plate bowl spoon knife fork loaf cheese apple pear plum onion cabbage turnip
carrot potato bean pea egg hen goose duck cow goat sheep horse donkey dog cat mouse crow
sparrow owl fox badger rabbit hedgehog frog trout salmon kettle clock radio newspaper
""")
VERBS = _pool("""
carried fixed painted found lost borrowed returned sold bought mended cleaned opened closed
locked washed dried folded packed unpacked moved lifted dropped pushed pulled dragged
chased followed watched noticed ignored visited left reached crossed climbed built
repaired polished sharpened filled emptied counted weighed measured wrapped tied untied
planted picked cooked baked boiled stirred tasted served delivered collected gathered
traded swapped checked tested marked labelled stacked sorted hid buried dug raked swept
""")
PREPS = ("near", "behind", "beside", "under", "over", "across", "past", "inside", "outside",
         "along", "around", "below", "above", "beyond", "toward", "against", "between")
ADVERBS = _pool("""
yesterday afterwards later meanwhile eventually suddenly slowly quickly quietly gladly
finally earlier recently once twice often seldom sometimes usually rarely luckily sadly
honestly frankly happily oddly naturally apparently clearly surely briefly gradually
""")
USER_LINES = ("What happened next?", "Tell me more.", "And then?", "Go on.", "Why?",
              "How did that go?", "Really?", "What did you do?", "Where was that?")

PLANTED_PHRASES = (
    "a testament to the resilience of the human spirit",
    "the air crackles with unspoken promise",
    "every step forward writes a new chapter",
    "shadows dance across the ancient walls",
)
PLANTED_OPENERS = (
    "Ah, what a wonderful question to ask!",
    "Oh, you're absolutely right about that!",
)
PLANTED_CLOSERS = (
    "I hope this helps, and let me know if there is anything else you need.",
    "Feel free to ask if you have any other questions about it.",
)


def sentence(rng: random.Random) -> str:
    """One plain sentence from the pools (several shapes, so word order varies too)."""
    c = rng.choice
    shape = rng.randrange(5)
    if shape == 0:
        words = [c(DETS), c(ADJS), c(NOUNS), c(VERBS), c(DETS), c(NOUNS), c(PREPS), c(DETS),
                 c(ADJS), c(NOUNS)]
    elif shape == 1:
        words = [c(ADVERBS) + ",", c(DETS), c(NOUNS), c(VERBS), c(DETS), c(ADJS), c(NOUNS)]
    elif shape == 2:
        words = [c(DETS), c(NOUNS), c(PREPS), c(DETS), c(NOUNS), c(VERBS), c(DETS), c(ADJS),
                 c(NOUNS), c(ADVERBS)]
    elif shape == 3:
        words = ["I", c(VERBS), c(DETS), c(ADJS), c(NOUNS), c(PREPS), c(DETS), c(NOUNS)]
    else:
        words = [c(DETS), c(ADJS), c(NOUNS), "and", c(DETS), c(ADJS), c(NOUNS), c(VERBS),
                 c(DETS), c(NOUNS)]
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def reply(rng: random.Random, low: int = 3, high: int = 6) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(low, high)))


@dataclass
class Batch:
    """Generated entries and what was planted where (positions, 0-based)."""

    entries: list[dict] = field(default_factory=list)
    planted: set[int] = field(default_factory=set)
    phrase_of: dict[int, str] = field(default_factory=dict)

    def write(self, path: Path) -> Path:
        path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in self.entries))
        return path


def entry(rng: random.Random, first: str, second: str) -> dict:
    return {"messages": [
        {"role": "system", "content": "You are a storyteller. Answer in plain prose."},
        {"role": "user", "content": rng.choice(USER_LINES)},
        {"role": "assistant", "content": first},
        {"role": "user", "content": rng.choice(USER_LINES)},
        {"role": "assistant", "content": second},
    ]}


def make_batch(n: int, planted_share: float = 0.0, seed: int = 7) -> Batch:
    """``n`` entries; ``planted_share`` of them carry a planted phrase, opener and closer."""
    rng = random.Random(seed)
    batch = Batch()
    planted = set(rng.sample(range(n), round(n * planted_share)))
    for i in range(n):
        first, second = reply(rng), reply(rng)
        if i in planted:
            phrase = rng.choice(PLANTED_PHRASES)
            cut = second.index(". ") + 2 if ". " in second else 0
            first = f"{rng.choice(PLANTED_OPENERS)} {first}"
            second = (f"{second[:cut]}{phrase[0].upper()}{phrase[1:]}. {second[cut:]} "
                      f"{rng.choice(PLANTED_CLOSERS)}")
            batch.planted.add(i)
            batch.phrase_of[i] = phrase
        batch.entries.append(entry(rng, first, second))
    return batch
