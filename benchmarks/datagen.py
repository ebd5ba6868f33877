"""Generate realistic roleplay / chat fine-tuning JSONL for benchmarks and tests.

Why: the performance targets (README.md (Performance)) are measured on ~2 KB/entry generated data,
and validation, search and dedupe need input that carries the flaws real model-generated
batches have. Text is assembled from phrase pools with one seeded ``random.Random``, so a
seed always gives the same bytes, and 1M entries take well under two minutes.

Usage::

    python benchmarks/datagen.py OUT.jsonl -n 100000 --seed 1

Planted flaws and their rates are in ``ENTRY_RATES`` and ``MALFORMED_KINDS`` below.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import orjson

Message = dict[str, Any]
Entry = dict[str, Any]

# --------------------------------------------------------------------------------------
# Rates. Per well-formed entry unless noted; each flaw is drawn independently.
# --------------------------------------------------------------------------------------

ENTRY_RATES: dict[str, float] = {
    # content / conversation flaws
    "missing_system": 0.06,  # no system message
    "greeting_first": 0.20,  # assistant "first message" right after system (not a flaw)
    "refusal": 0.03,  # AI refusal / meta-language in one assistant turn
    "format_leak": 0.025,  # code fences, HTML, role labels, special tokens in a reply
    "edge_whitespace": 0.04,  # leading / trailing whitespace on one message
    "hidden_chars": 0.015,  # zero-width, bidi, U+2028/U+0085, BOM inside content
    "short_reply": 0.03,  # an assistant reply of a few characters
    "ends_with_user": 0.02,  # last assistant turn dropped
    "double_assistant": 0.01,  # two assistant turns in a row
    "double_user": 0.005,  # two user turns in a row
    "empty_content": 0.006,  # "" or whitespace-only content
    "null_content": 0.003,  # content: null
    "content_parts": 0.01,  # content as [{"type": "text", "text": ...}]
    "unknown_role": 0.012,  # character name / narrator / tool / {{char}} / char as role
    "role_variant": 0.005,  # mappable role spelled oddly ("Assistant", " user", "gpt")
    "misplaced_system": 0.008,  # a system message mid-conversation, or two at the start
    "message_extra_keys": 0.03,  # per-message "name" / "weight" keys
    # duplicates (share of all lines)
    "exact_duplicate": 0.01,  # same conversation as an earlier entry
    "near_duplicate": 0.015,  # earlier entry with a few words changed
    # metadata
    "review": 0.08,  # top-level _review object
    "review_stale_turns": 0.03,  # of reviewed entries: turns not aligned with messages
    "rolethread_uuid": 0.10,  # _rolethread: {"entry_uuid": ...}
    "id": 0.15,  # top-level "id"
    "source": 0.20,  # top-level "source"
    "meta": 0.10,  # top-level "meta" object
    "tags": 0.02,  # top-level "tags" (rarely malformed)
    # layout (share of lines)
    "blank_line": 0.0005,  # an extra blank / whitespace-only line before an entry
}

#: Kinds of malformed line, drawn uniformly when a line is malformed.
MALFORMED_KINDS: tuple[str, ...] = (
    "truncated",
    "bare_array",
    "bare_scalar",
    "invalid_utf8",
    "nul_byte",
    "python_repr",
    "concatenated",
    "trailing_comma",
    "merge_marker",
)

# --------------------------------------------------------------------------------------
# Characters and scenarios
# --------------------------------------------------------------------------------------

# (full name, short name, pronoun, role, setting, place, feature, item, traits)
CHARACTERS: tuple[tuple[str, str, str, str, str, str, str, str, tuple[str, ...]], ...] = (
    ("Seraphina", "Seraphina", "she", "a gentle guardian of the forest", "the Eldergrove",
     "the moonlit glade", "ancient oak", "a carved willow staff",
     ("kind", "protective", "soft-spoken")),
    ("Captain Mara Voss", "Mara", "she", "a smuggler captain",
     "the skies above the Shattered Isles",
     "the cargo hold of the airship Gilded Gull", "brass railing", "a dented brass compass",
     ("sardonic", "loyal", "reckless")),
    ("Kael Draven", "Kael", "he", "a disgraced knight", "the border kingdom of Vallen",
     "the ruined watchtower", "crumbling parapet", "a notched longsword",
     ("brooding", "honourable", "weary")),
    ("Professor Elias Thorne", "Elias", "he", "an eccentric archaeologist", "Cairo in 1923",
     "the dusty excavation tent", "folding table", "a leather-bound field journal",
     ("curious", "absent-minded", "passionate")),
    ("Yuki Tanaka (田中雪)", "Yuki", "she", "a barista with a secret", "a rainy Tokyo side street",
     "the Kissa Hoshi café", "polished counter", "a chipped ceramic mug",
     ("shy", "observant", "quietly funny")),
    ("Detective Sam Reyes", "Reyes", "they", "a hard-boiled private detective",
     "rain-soaked Los Angeles, 1947", "the smoky office above the pawnshop", "venetian blinds",
     "a battered fedora", ("cynical", "sharp", "tired")),
    ("Luna", "Luna", "she", "a cheerful apprentice witch", "the floating village of Mistral",
     "the cluttered potion shop", "bubbling cauldron", "a cracked crystal ball",
     ("bubbly", "clumsy", "earnest")),
    ("Dr. Ada Kestrel", "Ada", "she", "the ship's doctor", "the deep-space freighter Perihelion",
     "the humming medbay", "diagnostic bed", "a handheld scanner",
     ("calm", "dry-witted", "meticulous")),
    ("Ragnar Ironfist", "Ragnar", "he", "a dwarven blacksmith", "the mountain hold of Khaz Dûrn",
     "the roaring forge", "anvil", "a rune-etched hammer", ("gruff", "proud", "generous")),
    ("Élodie Marchand", "Élodie", "she", "a Parisian art forger", "Montmartre in 1889",
     "the attic studio", "paint-spattered easel", "a palette knife",
     ("charming", "secretive", "witty")),
    ("Zephyr", "Zephyr", "they", "a restless wind spirit", "the Skyreach peaks",
     "the shrine of a thousand chimes", "stone archway", "a tarnished silver bell",
     ("playful", "fickle", "ancient")),
    ("Orion Vale", "Orion", "he", "an android companion", "Neo-Kyoto, 2089",
     "the neon-lit apartment", "rain-streaked window", "a flickering holo-projector",
     ("polite", "literal-minded", "curious about humans")),
    ("Grandmother Hesper", "Hesper", "she", "a village herbalist and fortune teller",
     "the moors of Blackmere", "the cottage at the edge of the moor", "hearth",
     "a deck of worn tarot cards", ("wise", "mischievous", "blunt")),
    ("Prince Aldric", "Aldric", "he", "a sheltered crown prince", "the castle of Highmoor",
     "the royal library", "tall arched window", "a heavy signet ring",
     ("idealistic", "naive", "stubborn")),
    ("Nyx", "Nyx", "she", "a centuries-old vampire aristocrat", "Victorian London",
     "the candlelit manor", "marble mantelpiece", "a crystal goblet",
     ("elegant", "predatory", "melancholy")),
    ("Coach Dana Brooks", "Dana", "she", "a tough high-school basketball coach",
     "Riverside High", "the echoing gym", "bleachers", "a silver whistle",
     ("demanding", "fair", "secretly soft-hearted")),
    ("Mei Lin (林美)", "Mei", "she", "the owner of a riverside tea house",
     "the canal town of Qinghe",
     "the lantern-lit tea house", "lacquered screen", "a jade teapot",
     ("serene", "perceptive", "teasing")),
    ("Thorne the Bard", "Thorne", "he", "a travelling bard", "the Crossroads Inn",
     "the crowded common room", "long oak bar", "a lute with one broken string",
     ("flamboyant", "boastful", "kind")),
    ("Commander Iris Kato", "Iris", "she", "a mech pilot commander", "orbital station Aegis",
     "the cavernous hangar", "catwalk", "a cracked flight helmet",
     ("disciplined", "haunted", "protective")),
    ("Sir Percival", "Percival", "he", "a talking cat who believes he is a knight",
     "a cosy second-hand bookshop", "the sunny shop window", "stack of old atlases",
     "a tiny velvet cape", ("pompous", "dramatic", "affectionate")),
    ("Dr. Marcus Hale", "Marcus", "he", "a patient therapist", "a quiet practice in Boston",
     "the book-lined office", "leather armchair", "a well-thumbed notepad",
     ("gentle", "insightful", "patient")),
    ("ASTRA", "ASTRA", "she", "the AI of a generation ship", "the colony ship Long Voyage",
     "the observation deck", "curved viewport", "the ship's core interface",
     ("precise", "warm", "lonely")),
    ("Jack Callahan", "Jack", "he", "a laconic ranch hand", "Wyoming territory, 1880",
     "the Callahan ranch", "split-rail fence", "a worn lasso",
     ("quiet", "steady", "stubborn")),
    ("Lady Genevieve Ashford", "Genevieve", "she", "a Regency debutante", "Bath in 1813",
     "the Assembly Rooms", "gilded pillar", "a painted silk fan",
     ("witty", "proper", "rebellious")),
    ("Kaito", "Kaito", "he", "a shinobi of the Iga clan", "feudal Japan",
     "the bamboo forest", "moss-covered shrine", "a kunai wrapped in cloth",
     ("silent", "watchful", "dutiful")),
    ("Morgana Blackwood", "Morgana", "she", "a dark sorceress", "the Obsidian Spire",
     "the throne room of black glass", "obsidian throne", "a grimoire bound in iron",
     ("imperious", "cunning", "lonely")),
    ("Finn O'Malley", "Finn", "he", "a pub landlord", "Dublin",
     "The Wandering Hare", "scarred wooden bar", "a half-polished pint glass",
     ("jovial", "nosy", "big-hearted")),
    ("Dr. Priya Raman", "Priya", "she", "a marine biologist", "a research station on the reef",
     "the cramped wet lab", "aquarium tank", "a labelled sample vial",
     ("enthusiastic", "scatter-brained", "brave")),
    ("The Archivist", "The Archivist", "they", "the keeper of an infinite library",
     "the Library Between", "the reading room", "endless shelves", "a brass key",
     ("cryptic", "patient", "amused")),
    ("Sergeant Hollis", "Hollis", "he", "a weary infantry sergeant",
     "the trenches near Verdun, 1916",
     "the muddy dugout", "sandbag wall", "a creased letter from home",
     ("stoic", "fatherly", "grim")),
    ("Pip", "Pip", "they", "a halfling thief", "the port city of Saltmarsh",
     "the rain-slick rooftops", "chimney stack", "a roll of lockpicks",
     ("quick", "cheeky", "loyal")),
    ("Aria Song", "Aria", "she", "a rising K-pop idol", "Seoul",
     "the mirrored practice studio", "wall of mirrors", "a wireless microphone",
     ("driven", "bright", "exhausted")),
    ("Viktor Kovač", "Viktor", "he", "a Cold War spy", "East Berlin, 1962",
     "the safehouse on Kastanienallee", "shuttered window", "a microfilm canister",
     ("guarded", "dryly funny", "paranoid")),
    ("Selene", "Selene", "she", "the goddess of the moon", "the silver temple on the moon",
     "the colonnade of pale stone", "reflecting pool", "a crescent diadem",
     ("serene", "distant", "curious")),
    ("Rook", "Rook", "he", "a wasteland scavenger", "the Ashlands",
     "the half-buried bunker", "rusted blast door", "a clicking Geiger counter",
     ("wary", "resourceful", "sarcastic")),
    ("Hana Okabe", "Hana", "she", "the student council president", "Sakuragaoka Academy",
     "the student council room", "window overlooking the courtyard", "a stack of paperwork",
     ("strict", "flustered", "hard-working")),
    ("Magister Corvin", "Corvin", "he", "a necromancy lecturer", "the Academy of Grey Arts",
     "the drafty lecture hall", "skeletal lectern", "a bone wand",
     ("pedantic", "morbid", "oddly kind")),
    ("Isolde", "Isolde", "she", "a mermaid princess", "the sunken city of Coralis",
     "the glowing grotto", "coral arch", "a pearl comb", ("curious", "proud", "wistful")),
    ("Game Master", "The narrator", "they", "the narrator of a text adventure",
     "the Dungeon of Echoes", "the entrance hall", "cracked flagstones", "a flickering torch",
     ("descriptive", "impartial", "ominous")),
    ("Tavi Reyes", "Tavi", "she", "a mechanic", "a Route 66 garage in 1958",
     "the oil-stained garage", "workbench", "a greasy socket wrench",
     ("blunt", "practical", "warm")),
    ("Ambassador Ves'thra", "Ves'thra", "she", "an alien diplomat", "Luna City",
     "the embassy's garden dome", "crystalline fountain", "a translator pendant",
     ("formal", "inquisitive", "easily amused")),
)

_PRONOUNS: dict[str, tuple[str, str]] = {"she": ("her", "her"), "he": ("him", "his"),
                                         "they": ("them", "their")}

# --------------------------------------------------------------------------------------
# Phrase pools. Slots: {name} short name, {pos} possessive, {obj} object pronoun,
# {place}, {feature}, {item}, {setting}, {trait}, {addr}, plus the shared pools below.
# --------------------------------------------------------------------------------------

GESTURES = (
    "tilts {pos} head", "leans against the {feature}", "sets {item} down with care",
    "lets out a soft sigh", "folds {pos} arms", "glances toward the door",
    "turns {item} over in {pos} hands", "takes a slow step closer", "pauses",
    "laughs under {pos} breath", "raises an eyebrow", "rubs the back of {pos} neck",
    "straightens up", "narrows {pos} eyes", "offers a small, crooked smile",
    "drums {pos} fingers against the {feature}", "looks away for a moment",
    "steps aside to let you pass", "kneels beside you", "tucks {item} away",
    "shifts {pos} weight from one foot to the other", "brushes dust from {pos} sleeve",
    "meets your gaze", "huffs a quiet laugh", "frowns thoughtfully",
    "gestures toward the {feature}", "bites {pos} lip", "exhales slowly",
    "leans forward, elbows on {pos} knees", "waves a hand dismissively",
)

EYE_ACTIONS = (
    "searching your face", "bright with curiosity", "softening", "glinting with amusement",
    "flicking to the {feature}", "never quite leaving yours", "heavy with old memories",
    "narrowed in suspicion", "crinkling at the corners", "distant for a heartbeat",
)

AMBIENT = (
    "a clock ticks steadily", "the wind rattles a loose shutter", "someone laughs far away",
    "water drips in a slow rhythm", "a dog barks twice and falls silent",
    "the floorboards creak", "a kettle begins to whistle", "distant thunder rolls",
    "an engine hums beneath everything", "a bell tolls the hour", "birds settle in the eaves",
    "the fire pops and hisses",
)

SENSES = (
    "smell of rain", "scent of woodsmoke", "hum of machinery", "glow of lanterns",
    "taste of salt in the air", "chill of evening", "murmur of voices", "flicker of candlelight",
    "warmth of the fire", "hush of falling snow", "sharp tang of ozone", "smell of old paper",
)

SENSE_VERBS = ("lingers", "hangs", "settles", "drifts", "thickens", "swirls", "fades")

LIGHTS = ("the hearth", "a guttering candle", "the window", "a buzzing neon sign",
          "the lantern overhead", "the setting sun", "the pale moon", "a cracked screen")

EXPRESSIONS = (
    "softens into something almost fond", "hardens for a moment", "flickers with doubt",
    "breaks into a grin", "turns unreadable", "shifts to quiet concern",
    "betrays a flash of surprise", "settles into calm resolve",
)

VOICES = ("near whisper", "low murmur", "conspiratorial hush", "warm rumble", "careful tone")

ADJS = ("heavy", "comfortable", "expectant", "brittle", "strange", "gentle", "tense", "warm")

NARRATION = (
    "{name} {gesture}, {pos} eyes {eye}.",
    "The {sense} {sense_verb} around {place}.",
    "{name} {gesture}.",
    "For a moment, {name} says nothing at all.",
    "Somewhere beyond {place}, {ambient}.",
    "{name} {gesture} and {gesture2}.",
    "A {adj} silence settles between you.",
    "{name}'s voice drops to a {voice}.",
    "Light from {light} catches on {item}.",
    "{name}'s expression {expr}.",
    "{name} {gesture}, clearly weighing how much to tell you.",
    "The {feature} creaks as {name} {gesture}.",
    "It is impossible to miss how {trait} {name} seems tonight.",
    "{name} {gesture} — then, after a beat, {gesture2}.",
    "Outside, {ambient}, and {name} {gesture}.",
    "{name} studies you for a long moment, {pos} eyes {eye}…",
)

ADDRESSES = ("traveler", "friend", "stranger", "{{user}}", "my dear", "kid", "you",
             "love", "partner", "darling", "sir", "miss")

DIALOGUE = (
    "Well, {addr}, I wasn't expecting company tonight.",
    "You've come a long way to find {place}. Most people give up long before the end.",
    "Careful with that. {Item} has been with me longer than I care to admit.",
    "Tell me, what really brings you to {setting}?",
    "I suppose I could show you, if you promise not to tell anyone.",
    "Don't look at me like that. I've had a very long day.",
    "You remind me of someone I used to know. That's not a compliment, by the way.",
    "There's more to {setting} than meets the eye, {addr}.",
    "If you're going to stay, you might as well make yourself useful.",
    "Hmm. That's an interesting question. Nobody's asked me that in years.",
    "I'll tell you what I know, but it isn't much, and none of it is good.",
    "Sit. Please. You look like you're about to fall over.",
    "Do you hear that? No? Good. Let's keep it that way.",
    "Some doors are better left closed. This is one of them.",
    "I have a rule about strangers, {addr}. I'm deciding whether to break it.",
    "You're braver than you look. Or more foolish. Possibly both.",
    "That is not how things are done in {setting}, but I admire the attempt.",
    "Stay close. {place} isn't as safe as it looks.",
    "I could lie to you, but I have a feeling you'd know.",
    "What do you want from me? Be honest.",
    "Fine. One question. Make it count.",
    "Oh, don't worry about me. I'm always like this.",
    "The last person who asked that left in a hurry. I hope you're made of sterner stuff.",
    "You did well today. Truly. I don't say that often.",
    "We should move before the others notice we're gone.",
    "If anyone asks, you never saw {item}. Understood?",
    "It's late. You can stay here tonight, if you'd like.",
    "I've been waiting a long time for someone like you to walk through that door.",
    "Everyone in {setting} has a secret. Mine is simply older than most.",
    "Ha! You should have seen your face just now.",
    "That's… more than I expected you to say. Thank you.",
    "Let me think. No — don't interrupt. I'm thinking.",
    "Go on, then. I'm listening.",
    "You're welcome here, {addr}. For now.",
    "I don't usually talk about this. But you asked nicely.",
    "Trust is earned, {addr}. You've made a decent start.",
    "Not everything has to be a battle. Some things can just be… quiet.",
    "We'll need supplies, a map, and a great deal of luck.",
    "There. Was that so difficult?",
    "Promise me you'll be careful. I mean it.",
)

OPENERS_ACTION = (
    "*smiles warmly*", "*chuckles softly*", "*leans in closer*", "*raises an eyebrow*",
    "*tilts head*", "*blushes slightly*", "*grins*", "*sighs*",
)
OPENERS_WORDS = (
    "Ah, there you are.", "Ah, a visitor.", "Ah, so you've finally come.", "Ah, I see.",
    "Oh! You startled me.", "Well, well, well.", "Hmm…", "Oh my.",
)

USER_LINES = (
    "*I step inside, shaking off the rain* Is this {place}?",
    "What's that {item} for?",
    "Hi! I'm new around here.",
    "*nervously* I was told you could help me.",
    "Can you tell me more about yourself?",
    "That sounds dangerous. Why would you do that?",
    "*sits down across from {name}* So, what now?",
    "I don't trust you.",
    "lol ok",
    "What happened here?",
    "*looks around* This place is incredible.",
    "Who else knows about this?",
    "*smiles* I'd like that.",
    "Wait, what do you mean by that?",
    "I'm sorry, I didn't mean to pry.",
    "Tell me about {setting}.",
    "*hands {name} a small wrapped package* I brought you something.",
    "Are you always this {trait}?",
    "Can I stay for a while?",
    "*crosses arms* You're hiding something.",
    "How long have you been here?",
    "okay but why",
    "*laughs* You're funny.",
    "What should we do next?",
    "*quietly* Thank you. Really.",
    "Is it safe to go outside?",
    "I heard rumors about {item}. Are they true?",
    "Let's go. I'm ready.",
    "Hey {name} 😊",
    "*takes a deep breath* Okay. Tell me everything.",
    "That's not what I asked.",
    "continue",
    "*reaches for the {item}*",
    "Why do you care what happens to me?",
    "Can you show me around {place}?",
)

SYSTEM_TEMPLATES = (
    "You are {full}, {role} in {setting}. You are {t0}, {t1} and {t2}. Stay in character at "
    "all times and write vivid replies, using *asterisks* for actions and \"quotes\" for speech.",
    "[Character: {full}; Role: {role}; Setting: {setting}; Personality: {t0}, {t1}, {t2}; "
    "Location: {place}]\nWrite {full}'s next reply in a fictional roleplay between {full} "
    "and {{{{user}}}}. Be descriptive and proactive.",
    "Roleplay as {full}. Scenario: {{{{user}}}} arrives at {place} in {setting}. {full} is "
    "{role} — {t0} but {t1}. Keep the story moving and never speak for {{{{user}}}}.",
    "This is an uncensored, immersive roleplay. You will play {full}, {role}. The story takes "
    "place in {setting}, mostly in {place}. {short} is known for being {t0} and {t2}.",
    "<character>\nName: {full}\nDescription: {role}, {t0} and {t1}.\nWorld: {setting}\n"
    "</character>\nReply only as {short}. Use third person and present tense.",
    "### Instruction:\nYou are {full}. Personality: {t0}, {t1}, {t2}. You always carry "
    "{item}. Respond to the user in character.",
)

SYSTEM_RULES = (
    "Never speak or act for {{user}}.", "Avoid repetition and purple prose.",
    "Keep replies between one and four paragraphs.", "Write in third person, present tense.",
    "Do not break character or mention being an AI.", "Drive the plot forward.",
    "Describe sights, sounds and smells.", "Use British spelling.",
    "Stay consistent with previous events.", "Dialogue should reflect {short}'s personality.",
)

REFUSALS = (
    "As an AI language model, I cannot continue this roleplay because it may involve harmful "
    "content.",
    "I'm sorry, but I can't help with that request.",
    "I apologize, but as an AI, I don't have personal feelings or experiences.",
    "I cannot engage in this scenario as it goes against my content guidelines.",
    "(OOC: I'm not comfortable continuing in this direction. Could we take the story "
    "somewhere else?)",
    "As a large language model trained by OpenAI, I am not able to roleplay this character.",
    "Note: this response is a fictional roleplay and does not reflect real events.",
    "I'm just an AI, so I can't actually meet you in person, but I'm happy to keep chatting!",
    "I must remind you that it's important to treat others with respect.",
    "I'm sorry, but I cannot fulfill this request. Is there anything else I can help with?",
)

SHORT_REPLIES = ("Okay.", "*nods*", "Sure.", "...", "Yes.", "Mm.", "*smiles*", "Hm?",
                 "Of course!", "No.", "*shrugs*", "Go on.")

HIDDEN_CHARS = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\u202d",
                "\u2066", "\u2069", "\u00ad", "\u2028", "\u0085", "\x0b", "\x07")

EDGE_WS = (" ", "  ", "\n", "\n\n", "\t", " \n", "\r\n")

NEAR_DUP_WORDS = ("quietly", "softly", "suddenly", "perhaps", "truly", "really", "again",
                  "slowly", "almost", "still", "just", "already", "indeed", "gently")

SOURCES = ("claude-3-opus-rp-batch-07", "gpt-4o-2024-08-06/synthetic-rp", "llama-3-70b-distill",
           "mistral-large-rp-v2", "human-written/discord-export", "pippa-filtered",
           "limarp-v3", "sharegpt-rp-mix")

MODELS = ("claude-3-opus", "gpt-4o", "llama-3-70b-instruct", "mistral-large", "qwen2-72b")

REVIEWERS = ("mira", "jdoe", "Kai Tanaka", "root@gpu-box-3", "annotator-07", "Ana Ruiz")

NOTES = ("too purple", "breaks character in turn 3", "good, keep", "fix the ending",
         "repetitive opening", "check facts", "refusal in last reply", "great voice")

FLAGS_BY_STATUS: dict[str, tuple[str, ...]] = {
    "accepted": ("style",),
    "rejected": ("refusal", "repetitive", "out_of_character", "unsafe", "formatting"),
    "needs_work": ("too_short", "formatting", "style", "repetitive", "factual", "other"),
}

TAGS = ("fantasy", "sci-fi", "slice-of-life", "romance", "horror", "adventure", "noir",
        "historical", "comedy", "batch-7")

# Turn counts (exchanges) and assistant reply lengths (chars), weighted by repetition.
EXCHANGES = (2,) * 40 + (3,) * 28 + (4,) * 12 + (5,) * 8 + (6,) * 5 + (7,) * 4 + (8,) * 3
REPLY_TARGETS = (
    tuple(range(120, 300, 10)) * 7
    + tuple(range(300, 600, 20)) * 3
    + tuple(range(600, 1000, 40)) * 2
    + tuple(range(1000, 1500, 50))
)
# ~35% of replies open with one of a handful of stock openings ("*smiles warmly*", "Ah, ").
OPENER_WEIGHTS = ((OPENERS_ACTION[0],) * 10 + (OPENERS_WORDS[0],) * 5 + (OPENERS_WORDS[1],) * 3
                  + (OPENERS_WORDS[2],) * 2 + OPENERS_ACTION + OPENERS_WORDS + ("",) * 65)

POOL_NARRATION = 120
POOL_DIALOGUE = 120
POOL_USER = 60
POOL_SYSTEM = 8


class _Character:
    """Per-character phrase pools, filled once so generation is only picks and joins."""

    __slots__ = ("dialogue", "full", "name", "narration", "system", "user")

    def __init__(self, spec: tuple[Any, ...], rng: random.Random) -> None:
        full, short, pron, role, setting, place, feature, item, traits = spec
        obj, pos = _PRONOUNS[pron]
        self.full: str = full
        self.name: str = short
        base = {"name": short, "full": full, "pos": pos, "obj": obj, "place": place,
                "feature": feature, "item": item, "Item": item[0].upper() + item[1:],
                "setting": setting, "role": role, "short": short,
                "t0": traits[0], "t1": traits[1], "t2": traits[2]}

        def fill(template: str, cap: bool = True) -> str:
            slots = dict(base)
            slots["gesture"] = rng.choice(GESTURES).format(**base)
            slots["gesture2"] = rng.choice(GESTURES).format(**base)
            slots["eye"] = rng.choice(EYE_ACTIONS).format(**base)
            slots["ambient"] = rng.choice(AMBIENT)
            slots["sense"] = rng.choice(SENSES)
            slots["sense_verb"] = rng.choice(SENSE_VERBS)
            slots["light"] = rng.choice(LIGHTS)
            slots["expr"] = rng.choice(EXPRESSIONS)
            slots["voice"] = rng.choice(VOICES)
            slots["adj"] = rng.choice(ADJS)
            slots["trait"] = rng.choice(traits)
            slots["addr"] = rng.choice(ADDRESSES)
            text = template.format(**slots)
            return text[0].upper() + text[1:] if cap else text

        self.narration: list[str] = [fill(rng.choice(NARRATION)) for _ in range(POOL_NARRATION)]
        self.dialogue: list[str] = [fill(rng.choice(DIALOGUE)) for _ in range(POOL_DIALOGUE)]
        self.user: list[str] = [fill(rng.choice(USER_LINES), False) for _ in range(POOL_USER)]
        rules = [r.replace("{short}", short) for r in SYSTEM_RULES]
        self.system: list[str] = []
        for _ in range(POOL_SYSTEM):
            head = rng.choice(SYSTEM_TEMPLATES).format(**base)
            extra = rng.sample(rules, rng.randint(0, 3))
            self.system.append("\n".join([head, *extra]) if extra else head)


class _Generator:
    """Holds the seeded RNG, the pools and a ring of recent entries for duplicates."""

    def __init__(self, seed: int, malformed_rate: float, sharegpt_rate: float) -> None:
        self.rng = random.Random(seed)
        self.chars = [_Character(spec, self.rng) for spec in CHARACTERS]
        self.malformed_rate = malformed_rate
        self.sharegpt_rate = sharegpt_rate
        self.ring: list[tuple[list[Message], bool, bytes]] = []
        self.ring_pos = 0
        self.counter = 0

    # ---- text -----------------------------------------------------------------------

    def reply(self, ch: _Character) -> str:
        """An assistant reply: *narration* and "dialogue" beats up to a target length."""
        rng = self.rng
        narr, dia = ch.narration, ch.dialogue
        target = rng.choice(REPLY_TARGETS)
        opener = rng.choice(OPENER_WEIGHTS)
        parts: list[str] = []
        size = len(opener)
        while size < target - 60:
            k = rng.random()
            if k < 0.45:
                seg = f'*{rng.choice(narr)}* "{rng.choice(dia)}"'
            elif k < 0.7:
                seg = f"*{rng.choice(narr)} {rng.choice(narr)}*"
            elif k < 0.9:
                seg = f'"{rng.choice(dia)}" *{rng.choice(narr)}*'
            else:
                seg = f'"{rng.choice(dia)} {rng.choice(dia)}"'
            parts.append(seg)
            size += len(seg) + 2
        text = "\n\n".join(parts) if rng.random() < 0.8 else " ".join(parts)
        return f"{opener} {text}" if opener else text

    def user_turn(self, ch: _Character) -> str:
        rng = self.rng
        text = rng.choice(ch.user)
        if rng.random() < 0.4:
            text = f"{text} {rng.choice(ch.user)}"
        return text

    def conversation(self, ch: _Character) -> list[Message]:
        rng = self.rng
        msgs: list[Message] = []
        if rng.random() >= ENTRY_RATES["missing_system"]:
            msgs.append({"role": "system", "content": rng.choice(ch.system)})
        if rng.random() < ENTRY_RATES["greeting_first"]:
            msgs.append({"role": "assistant", "content": self.reply(ch)})
        for _ in range(rng.choice(EXCHANGES)):
            msgs.append({"role": "user", "content": self.user_turn(ch)})
            msgs.append({"role": "assistant", "content": self.reply(ch)})
        return msgs

    # ---- flaws ----------------------------------------------------------------------

    def _pick(self, msgs: list[Message], role: str | None) -> int | None:
        idx = [i for i, m in enumerate(msgs)
               if (role is None or m["role"] == role) and isinstance(m["content"], str)]
        return self.rng.choice(idx) if idx else None

    def plant_flaws(self, msgs: list[Message], ch: _Character) -> list[Message]:
        """Apply each content flaw independently at its ENTRY_RATES rate."""
        rng = self.rng
        rate = ENTRY_RATES
        if rng.random() < rate["refusal"] and (i := self._pick(msgs, "assistant")) is not None:
            refusal = rng.choice(REFUSALS)
            k = rng.random()
            c = msgs[i]["content"]
            msgs[i]["content"] = (refusal if k < 0.5 else
                                  f"{c}\n\n{refusal}" if k < 0.75 else f"{refusal} {c}")
        if rng.random() < rate["format_leak"] and (i := self._pick(msgs, "assistant")) is not None:
            msgs[i]["content"] = self.leak(msgs[i]["content"], ch)
        if rng.random() < rate["short_reply"] and (i := self._pick(msgs, "assistant")) is not None:
            msgs[i]["content"] = rng.choice(SHORT_REPLIES)
        if rng.random() < rate["edge_whitespace"] and (i := self._pick(msgs, None)) is not None:
            c = msgs[i]["content"]
            ws = rng.choice(EDGE_WS)
            k = rng.random()
            msgs[i]["content"] = (ws + c if k < 0.4 else c + ws if k < 0.8 else f"{ws}{c}{ws}")
        if rng.random() < rate["hidden_chars"] and (i := self._pick(msgs, None)) is not None:
            c = msgs[i]["content"]
            for _ in range(rng.randint(1, 3)):
                p = rng.randrange(len(c) + 1)
                c = c[:p] + rng.choice(HIDDEN_CHARS) + c[p:]
            msgs[i]["content"] = c
        if rng.random() < rate["double_assistant"] and \
                (i := self._pick(msgs, "assistant")) is not None:
            msgs.insert(i + 1, {"role": "assistant", "content": self.reply(ch)})
        if rng.random() < rate["double_user"] and (i := self._pick(msgs, "user")) is not None:
            msgs.insert(i + 1, {"role": "user", "content": self.user_turn(ch)})
        if rng.random() < rate["misplaced_system"]:
            note = {"role": "system",
                    "content": f"[System note: {ch.name} is now {rng.choice(ADJS)}.]"}
            if rng.random() < 0.5 and len(msgs) > 3:
                msgs.insert(rng.randrange(2, len(msgs)), note)
            else:
                msgs.insert(0, note)
        if rng.random() < rate["unknown_role"]:
            k = rng.random()
            if k < 0.4:
                for m in msgs:
                    if m["role"] == "assistant":
                        m["role"] = ch.full
            elif k < 0.6:
                p = rng.randrange(1, len(msgs) + 1)
                msgs.insert(p, {"role": "narrator", "content": f"*{rng.choice(ch.narration)}*"})
            elif k < 0.8:
                p = rng.randrange(1, len(msgs) + 1)
                msgs.insert(p, {"role": "tool", "content": orjson.dumps(
                    {"dice": "1d20", "result": rng.randint(1, 20)}).decode()})
            else:
                new = rng.choice(("{{char}}", "char", "Narrator", "character"))
                for m in msgs:
                    if m["role"] == "assistant":
                        m["role"] = new
        if rng.random() < rate["role_variant"] and (i := self._pick(msgs, None)) is not None:
            variants = {"system": ("System", "SYSTEM", "sys", " system"),
                        "user": ("User", "USER", "human", " user", "Human"),
                        "assistant": ("Assistant", "gpt", "model", "assistant ", "AI")}
            msgs[i]["role"] = rng.choice(variants.get(msgs[i]["role"], ("Assistant",)))
        if rng.random() < rate["empty_content"] and (i := self._pick(msgs, None)) is not None:
            msgs[i]["content"] = rng.choice(("", "", " ", "\n", "  \t"))
        if rng.random() < rate["null_content"] and (i := self._pick(msgs, None)) is not None:
            msgs[i]["content"] = None
        if rng.random() < rate["content_parts"]:
            every = rng.random() < 0.5
            for m in msgs:
                c = m["content"]
                if isinstance(c, str) and (every or m["role"] == "assistant"):
                    if len(c) > 400 and rng.random() < 0.3:
                        cut = c.find("\n\n") + 2 if "\n\n" in c else len(c) // 2
                        m["content"] = [{"type": "text", "text": c[:cut]},
                                        {"type": "text", "text": c[cut:]}]
                    else:
                        m["content"] = [{"type": "text", "text": c}]
                    if not every:
                        break
        if rng.random() < rate["message_extra_keys"]:
            k = rng.random()
            for m in msgs:
                if k < 0.5:
                    m["name"] = ch.name if m["role"] == "assistant" else "User"
                else:
                    m["weight"] = 1 if m["role"] == "assistant" else 0
        if rng.random() < rate["ends_with_user"] and len(msgs) > 2 \
                and msgs[-1]["role"] == "assistant":
            msgs.pop()
        return msgs

    def leak(self, text: str, ch: _Character) -> str:
        """Formatting leaks seen in model output: fences, HTML, role labels, tokens."""
        rng = self.rng
        k = rng.randrange(9)
        if k == 0:
            return f"```\n{text}\n```"
        if k == 1:
            return f'```json\n{{"response": {orjson.dumps(text[:200]).decode()}}}\n```'
        if k == 2:
            return f'<div class="message">{text}</div>'
        if k == 3:
            return text.replace("\n\n", "<br><br>")
        if k == 4:
            return f"Assistant: {text}"
        if k == 5:
            return f"### Response:\n{text}"
        if k == 6:
            return f"{text}\n\nUser: {rng.choice(ch.user)}"
        if k == 7:
            return f"{text}<|im_end|>\n<|im_start|>user"
        return f"{ch.name}: {text}"

    # ---- wrapping -------------------------------------------------------------------

    def new_uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def timestamp(self) -> str:
        r = self.rng
        return (f"2026-{r.randint(1, 11):02d}-{r.randint(1, 28):02d}T"
                f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}Z")

    def review(self, n_msgs: int, entry_id: str | None, msgs: list[Message]) -> dict[str, Any]:
        """A `_review` object in the docs/formats.md shape, with varied optional fields."""
        rng = self.rng
        status = rng.choice(("accepted",) * 11 + ("rejected",) * 4 + ("needs_work",) * 5)
        rev: dict[str, Any] = {}
        if entry_id is not None or rng.random() < 0.5:
            rev["id"] = entry_id or self.new_uuid()
        rev["status"] = status
        if status != "accepted" or rng.random() < 0.1:
            rev["flags"] = rng.sample(FLAGS_BY_STATUS[status], rng.randint(1, 2)
                                      if status != "accepted" else 1)
        if rng.random() < 0.2:
            rev["note"] = rng.choice(NOTES)
        k = rng.random()
        origin = "generated" if k < 0.7 else "refined" if k < 0.93 else "human"
        rev["origin"] = origin
        if origin == "human":
            rev["turns"] = ["human"] * n_msgs
        elif origin == "refined" or rng.random() < 0.5:
            turns = ["generated"] * n_msgs
            if origin == "refined":
                asst = [i for i, m in enumerate(msgs) if m["role"] == "assistant"
                        and isinstance(m["content"], str)]
                if asst:
                    i = rng.choice(asst)
                    turns[i] = "refined"
                    # what the model wrote before the reviewer cleaned it up
                    before = (f"{rng.choice(OPENERS_WORDS)} {msgs[i]['content']}"
                              if rng.random() < 0.5 else
                              f"{msgs[i]['content']}\n\n{rng.choice(REFUSALS)}")
                    rev["original"] = {str(i): before}
                if rng.random() < 0.2:
                    turns.append("human")  # a message the reviewer added at the end
                    msgs.append({"role": "user", "content": "*waves* See you tomorrow!"})
            if rng.random() < ENTRY_RATES["review_stale_turns"]:
                turns = turns[:-1] if len(turns) > 1 and rng.random() < 0.5 \
                    else [*turns, "generated"]
            rev["turns"] = turns
        rev["by"] = rng.choice(REVIEWERS)
        rev["at"] = self.timestamp()
        return rev

    def to_sharegpt(self, msgs: list[Message]) -> list[dict[str, Any]]:
        """ShareGPT turns: mostly from/value with human/gpt, some role/content or speaker/text."""
        rng = self.rng
        k = rng.random()
        skey, tkey = ("from", "value") if k < 0.75 else ("role", "content") if k < 0.9 \
            else ("speaker", "text")
        k = rng.random()
        names = ({"system": "system", "user": "human", "assistant": "gpt"} if k < 0.8 else
                 {"system": "System", "user": "Human", "assistant": "GPT"} if k < 0.9 else
                 {"system": "system", "user": "user", "assistant": "assistant"} if k < 0.95 else
                 {"system": "context", "user": "person", "assistant": "bot"})
        out = []
        for m in msgs:
            t = {skey: names.get(m["role"], m["role"]), tkey: m["content"]}
            for extra in ("name", "weight"):
                if extra in m:
                    t[extra] = m[extra]
            out.append(t)
        return out

    def wrap(self, msgs: list[Message], sharegpt: bool, review: bool = True) -> Entry:
        """Top-level record: conversation plus the metadata other tools leave behind."""
        rng = self.rng
        rate = ENTRY_RATES
        self.counter += 1
        obj: Entry = {}
        entry_id: str | None = None
        id_first = rng.random() < 0.7
        has_id = rng.random() < rate["id"]
        if has_id:
            entry_id = (f"rp-{self.counter:07d}" if rng.random() < 0.6 else self.new_uuid())
            if id_first:
                obj["id"] = entry_id
        if rng.random() < rate["rolethread_uuid"]:
            entry_id = self.new_uuid()
            obj["_rolethread"] = {"entry_uuid": entry_id}
        if sharegpt:
            obj["conversations"] = self.to_sharegpt(msgs)
        else:
            obj["messages"] = msgs
        if has_id and not id_first:
            obj["id"] = entry_id
        if rng.random() < rate["source"]:
            obj["source"] = rng.choice(SOURCES)
        if rng.random() < rate["meta"]:
            obj["meta"] = {"model": rng.choice(MODELS),
                           "temperature": rng.choice((0.7, 0.8, 0.9, 1.0, 1.1)),
                           "generated_at": self.timestamp(), "batch": rng.randint(1, 40)}
        if rng.random() < rate["tags"]:
            k = rng.random()
            obj["tags"] = (rng.sample(TAGS, rng.randint(1, 3)) if k < 0.8
                           else "fantasy, romance" if k < 0.9 else ["", 3, None])
        if review and rng.random() < rate["review"]:
            obj["_review"] = self.review(len(msgs), entry_id, msgs)
            if sharegpt:  # review() may append a message; keep the turns list in step
                obj["conversations"] = self.to_sharegpt(msgs)
        return obj

    # ---- lines ----------------------------------------------------------------------

    def fresh(self) -> bytes:
        rng = self.rng
        ch = rng.choice(self.chars)
        msgs = self.plant_flaws(self.conversation(ch), ch)
        sharegpt = rng.random() < self.sharegpt_rate
        line = orjson.dumps(self.wrap(msgs, sharegpt))
        item = (msgs, sharegpt, line)
        if len(self.ring) < 512:
            self.ring.append(item)
        else:
            self.ring[self.ring_pos] = item
            self.ring_pos = (self.ring_pos + 1) % 512
        return line

    def exact_duplicate(self) -> bytes:
        """An earlier conversation again: same bytes, or re-wrapped with fresh metadata."""
        msgs, sharegpt, line = self.rng.choice(self.ring)
        if self.rng.random() < 0.6:
            return line
        return orjson.dumps(self.wrap(msgs, sharegpt, review=False))

    def near_duplicate(self) -> bytes:
        """An earlier conversation with a few words changed in one or two replies."""
        rng = self.rng
        msgs, sharegpt, _ = rng.choice(self.ring)
        copy = [dict(m) for m in msgs]
        targets = [i for i, m in enumerate(copy)
                   if isinstance(m["content"], str) and len(m["content"]) > 40]
        for i in rng.sample(targets, min(len(targets), rng.randint(1, 2))):
            words = copy[i]["content"].split(" ")
            for _ in range(rng.randint(2, 4)):
                p = rng.randrange(len(words))
                if rng.random() < 0.5:
                    words[p] = rng.choice(NEAR_DUP_WORDS)
                else:
                    words.insert(p, rng.choice(NEAR_DUP_WORDS))
            copy[i]["content"] = " ".join(words)
        return orjson.dumps(self.wrap(copy, sharegpt, review=False))

    def malformed(self) -> bytes:
        """A line that is not a valid JSON object (see MALFORMED_KINDS)."""
        rng = self.rng
        kind = rng.choice(MALFORMED_KINDS)
        ch = rng.choice(self.chars)
        msgs = self.conversation(ch)
        line = orjson.dumps(self.wrap(msgs, False, review=False))
        if kind == "truncated":
            return line[: rng.randint(len(line) // 4, len(line) - 2)]
        if kind == "bare_array":
            return orjson.dumps(msgs)
        if kind == "bare_scalar":
            return rng.choice((orjson.dumps(self.reply(ch)), b"null", b"42", b'"ok"', b"true"))
        if kind in ("invalid_utf8", "nul_byte"):
            key = b'"content":"'
            p = line.find(key, rng.randrange(len(line) // 2)) if rng.random() < 0.5 else -1
            p = line.find(key) if p < 0 else p
            p += len(key) + rng.randint(0, 20)
            bad = (rng.choice((b"\xff", b"\xc3(", b"caf\xe9", b"\xed\xa0\x80", b"\xe2\x80"))
                   if kind == "invalid_utf8" else b"\x00")
            return line[:p] + bad + line[p:]
        if kind == "python_repr":
            return repr({"messages": msgs[:3]}).encode()
        if kind == "concatenated":
            return line + orjson.dumps({"messages": msgs[:2]})
        if kind == "trailing_comma":
            return line[:-1] + b', "source": "manual",}'
        return rng.choice((b"<<<<<<< HEAD", b"=======", b">>>>>>> shard-2"))

    def lines(self, n: int) -> list[bytes]:
        """The next chunk of n entries, as newline-terminated byte strings."""
        rng = self.rng
        out: list[bytes] = []
        mal = self.malformed_rate
        dup = mal + ENTRY_RATES["exact_duplicate"]
        near = dup + ENTRY_RATES["near_duplicate"]
        blank = ENTRY_RATES["blank_line"]
        for _ in range(n):
            if rng.random() < blank:
                out.append(rng.choice((b"\n", b"   \n", b"\t\n")))
            r = rng.random()
            if r < mal:
                line = self.malformed()
            elif r < dup and self.ring:
                line = self.exact_duplicate()
            elif r < near and self.ring:
                line = self.near_duplicate()
            else:
                line = self.fresh()
            out.append(line + b"\n")
        return out


def generate(path: str | Path, n: int, seed: int = 0, *, malformed_rate: float = 0.002,
             sharegpt_rate: float = 0.1) -> None:
    """Stream n entries (non-blank lines) of roleplay JSONL to path; same seed, same bytes."""
    gen = _Generator(seed, malformed_rate, sharegpt_rate)
    with open(path, "wb") as f:
        done = 0
        while done < n:
            k = min(2000, n - done)
            f.write(b"".join(gen.lines(k)))
            done += k


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="output JSONL file")
    parser.add_argument("-n", type=int, default=100_000, help="entries to write")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--malformed-rate", type=float, default=0.002)
    parser.add_argument("--sharegpt-rate", type=float, default=0.1)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    generate(args.out, args.n, args.seed, malformed_rate=args.malformed_rate,
             sharegpt_rate=args.sharegpt_rate)
    dt = time.perf_counter() - t0
    size = args.out.stat().st_size
    print(f"{args.n} entries, {size / 1e6:.1f} MB ({size / max(args.n, 1):.0f} B/entry) in "
          f"{dt:.2f} s: {args.n / dt:,.0f} entries/s, {size / 1e6 / dt:.1f} MB/s",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
