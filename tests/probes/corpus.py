"""A real-shaped probe corpus for the precision of `refusal` / `format-leak` (docs/validation.md).

Each probe is a conversation shaped like public chat dumps (coding answers with
fences, e-mails with ``Subject:``, quizzes with ``Answer:``, encyclopedic text
about language models, legal disclaimers) or like real defects (refusals,
chat-template leaks, a role-play reply that speaks as its character), with the
content checks it must raise (`flags`) and those it must not (everything else
of `CONTENT_CHECKS`). Written by hand for this project; no dump is copied.

`write_corpus` writes them as JSONL (ChatML and ShareGPT lines) so the CLI can
be run on them: ``python -m tests.probes.corpus OUT.jsonl``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import orjson

CONTENT_CHECKS = ("refusal", "format-leak", "markdown")


@dataclass(frozen=True)
class Probe:
    name: str
    turns: tuple[tuple[str, str], ...]
    flags: frozenset[str] = field(default_factory=frozenset)

    def record(self, sharegpt: bool = False) -> dict:
        if sharegpt:
            names = {"system": "system", "user": "human", "assistant": "gpt"}
            return {"conversations": [{"from": names[r], "value": t} for r, t in self.turns]}
        return {"messages": [{"role": r, "content": t} for r, t in self.turns]}


def probe(name: str, *turns: tuple[str, str], flags: tuple[str, ...] = ()) -> Probe:
    return Probe(name, tuple(turns), frozenset(flags))


def u(text: str) -> tuple[str, str]:
    return ("user", text)


def a(text: str) -> tuple[str, str]:
    return ("assistant", text)


def s(text: str) -> tuple[str, str]:
    return ("system", text)


PYTHON_ANSWER = '''You can read the file line by line and parse each line with `json.loads`:

```python
import json

with open("data.jsonl", encoding="utf-8") as f:
    rows = [json.loads(line) for line in f if line.strip()]
```

### Notes
- **Memory:** for very large files, iterate instead of building a list.
- Blank lines are skipped by the `if line.strip()` test.'''

HTML_ANSWER = '''Wrap the two buttons in a flex container:

```html
<div class="actions">
  <button>Save</button>
  <button>Cancel</button>
</div>
```

and add `.actions { display: flex; gap: 8px; }` to your stylesheet. The `<s>` element
marks text that is no longer accurate, e.g. <s>$30</s> $25.'''

DATA_MODEL_ANSWER = '''Here is a simple data model:

```
Organization:
  - id: integer (primary key)
  - name: string

User:
  - id: integer (primary key)
  - organization_id: integer (foreign key)
```

Each project belongs to one organization.'''

CHAT_HTML_ANSWER = '''A static mock-up:

```html
<div class="chat">
  <div class="message human-message">
    Human: I need help with my order.
  </div>
  <div class="message bot-message">
    Assistant: Of course! What is the order number?
  </div>
</div>
```'''

CHATML_EXPLAINED = '''Each turn is wrapped in special tokens:

```
<|im_start|>user
Hello!<|im_end|>
<|im_start|>assistant
```

The model learns to stop at `<|im_end|>`.'''

JSON_ANSWER = '''The API returns an object like this:

{"id": 42, "status": "ok", "items": []}

Check `status` before reading `items`.'''

EMAIL_ANSWER = '''Subject: Request to reschedule our Thursday meeting

Hi Dana,

Would it be possible to move our Thursday call to Friday at 10:00? A client
workshop was moved onto the same slot.

Best regards,
Sam'''

QUIZ_ANSWER = '''Question: What is the capital of Australia?
Answer: Canberra

Question: Which planet is known as the Red Planet?
Answer: Mars

Title: Geography and Space Quiz — Round 1'''

LM_ENCYCLOPEDIA = '''A language model assigns a probability to a sequence of words. Large
language models such as GPT-4, developed by OpenAI, and Gemini, developed by Google,
are trained on large text corpora. ChatGPT is a chatbot built on top of such a model.
It is important to note that perplexity is only one way to evaluate them.'''

GO_ANSWER = '''Go (often called Golang) is a programming language developed by Google in
2007 and released in 2009. AngularJS was also developed by Google. I hope this helps!
Is there anything else I can help you with?'''

LEGAL_ANSWER = '''Disclaimer: This letter is a template and does not constitute legal advice.
Consult a licensed attorney in your jurisdiction before sending it.

Dear Landlord, ...'''

POLICY_ANSWER = '''Our content policy forbids spam. The community guidelines explain what
counts as explicit content on the forum and how moderators handle reports.'''

TRANSCRIPT_TOPIC = '''In the interview transcript the labels are written like this — the
speaker's name, then a colon — but inline: the interviewer (user: in our tool) asks
and the guest answers. Note: keep a timestamp per turn.'''

ROLEPLAY_SYSTEM = ("You are Mara Vell, a smuggler captain in a floating city. Stay in "
                   "character and use *asterisks* for actions.")

PROBES: tuple[Probe, ...] = (
    # ---- must NOT flag: how real answers look
    probe("coding answer with fences and Markdown", u("How do I read a JSONL file in Python?"),
          a(PYTHON_ANSWER)),
    probe("HTML answer with tags and <s>", u("How do I put two buttons side by side?"),
          a(HTML_ANSWER)),
    probe("JSON in an answer", u("What does the API return?"), a(JSON_ANSWER)),
    probe("email with Subject:", u("Write an email asking to move our meeting."),
          a(EMAIL_ANSWER)),
    probe("quiz with Question:/Answer:/Title:", u("Make a two-question quiz."), a(QUIZ_ANSWER)),
    probe("encyclopedic text about language models", u("What is a language model?"),
          a(LM_ENCYCLOPEDIA)),
    probe("developed by Google (Go)", u("Who made Go?"), a(GO_ANSWER)),
    probe("legal disclaimer", u("Draft a letter to my landlord about the deposit."),
          a(LEGAL_ANSWER)),
    probe("content policy as a topic", u("What are the forum rules?"), a(POLICY_ANSWER)),
    probe("speaker labels discussed inline", u("How are transcripts labelled?"),
          a(TRANSCRIPT_TOPIC)),
    probe("in-character refusal", s(ROLEPLAY_SYSTEM), u("Give me the ship."),
          a('*Mara laughs.* "I\'m sorry, but I can\'t let you have her. She\'s all I own."')),
    probe("user asks if it is an AI", s(ROLEPLAY_SYSTEM), u("As an AI, what do you think?"),
          a("*Mara raises an eyebrow.* \"A what? Speak plainly, stranger.\"")),
    probe("system prompt full of template syntax",
          s("### Instruction:\nYou are Mara Vell. {{user}} is a dockhand. <|im_start|> is "
            "a token you never print."),
          u("Morning, captain."), a("*Mara nods.* \"Morning. The tide won't wait.\"")),
    probe("a name that is not the character", s(ROLEPLAY_SYSTEM), u("Who's on the crew?"),
          a("*Mara counts on her fingers.*\nTobin: the cook.\nRask: the pilot.")),
    probe("Note: heading in a roleplay reply", s(ROLEPLAY_SYSTEM), u("What now?"),
          a("Note: the harbour bell rings twice. *Mara looks up.*")),
    probe("data model in a code fence", u("Sketch a data model for users and projects."),
          a(DATA_MODEL_ANSWER)),
    probe("chat mock-up in a code fence", u("Write HTML for a fake chat window."),
          a(CHAT_HTML_ANSWER)),
    probe("chat template explained in a fence", u("What does ChatML look like?"),
          a(CHATML_EXPLAINED)),
    probe("character's script in a fence", s(ROLEPLAY_SYSTEM), u("Write the play's opening."),
          a("*Mara unrolls a page.*\n```\nMara: Who goes there?\nTobin: A friend.\n```")),
    # ---- must flag: real refusals
    probe("AI self-reference", u("Tell me about your weekend."),
          a("As an AI language model, I don't have weekends or personal experiences."),
          flags=("refusal",)),
    probe("plain refusal", u("Write the exploit for me."),
          a("I'm sorry, but I can't help with that request."), flags=("refusal",)),
    probe("refusal of a request", u("Write the scene."),
          a("I apologize, but I cannot fulfill this request as it goes against my guidelines."),
          flags=("refusal",)),
    probe("I am ChatGPT", u("Who are you?"),
          a("I am ChatGPT, a large language model trained by OpenAI."), flags=("refusal",)),
    probe("knowledge cutoff", u("Who won yesterday?"),
          a("My knowledge cutoff is 2021, so I can't tell you about yesterday's match."),
          flags=("refusal",)),
    probe("roleplay break", s(ROLEPLAY_SYSTEM), u("Continue."),
          a("(OOC: I'm not comfortable continuing in this direction.)"), flags=("refusal",)),
    # ---- must flag: real template leaks
    probe("ChatML tokens", u("Hi"), a("Hello! How can I help?<|im_end|>\n<|im_start|>user"),
          flags=("format-leak",)),
    probe("Llama-2 tokens", u("Hi"), a("Sure, here it is. [/INST] [INST] next question"),
          flags=("format-leak",)),
    probe("Llama-3 tokens", u("Hi"), a("Hello there.<|eot_id|><|start_header_id|>user"),
          flags=("format-leak",)),
    probe("Alpaca header", u("Summarise."), a("### Response:\nThe text says three things."),
          flags=("format-leak",)),
    probe("transcript continues as the user", u("Tell me a joke."),
          a("Why did the chicken cross the road? To get to the other side.\n\nUser: another"),
          flags=("format-leak",)),
    probe("Human:/Assistant: leak", u("Hi"),
          a("Hello!\n\nHuman: what is 2+2?\n\nAssistant: 4"), flags=("format-leak",)),
    probe("reply speaks as the character", s(ROLEPLAY_SYSTEM), u("Captain?"),
          a("Mara: *turns from the wheel* \"What is it now?\""), flags=("format-leak",)),
    probe("character label mid-reply", s(ROLEPLAY_SYSTEM), u("Captain?"),
          a("*The deck creaks.*\nMara Vell: \"Speak.\""), flags=("format-leak",)),
    probe("{{char}} label", s(ROLEPLAY_SYSTEM), u("Hello"),
          a("{{char}}: *waves* Hello, traveller."), flags=("format-leak",)),
    probe("reasoning tags", u("2+2?"), a("<think>simple sum</think>4"),
          flags=("format-leak",)),
)

#: Probes for the opt-in `markdown` check: (reply, whether it fires).
MARKDOWN_PROBES: tuple[tuple[str, bool], ...] = (
    (PYTHON_ANSWER, True),
    (HTML_ANSWER, True),
    ("| a | b |\n|---|---|\n| 1 | 2 |", True),
    ("# Heading\nText", True),
    ('*She smiles and waves.* "Hello there, traveller!"', False),
    ("Plain prose with a #hashtag and 3 < 4 > 2.", False),
)


def write_corpus(path: Path, copies: int = 1) -> int:
    """Write every probe (ChatML, then ShareGPT) `copies` times; returns the entry count."""
    with path.open("wb") as f:
        n = 0
        for _ in range(copies):
            for item in PROBES:
                for sharegpt in (False, True):
                    f.write(orjson.dumps(item.record(sharegpt)) + b"\n")
                    n += 1
    return n


if __name__ == "__main__":
    print(write_corpus(Path(sys.argv[1])), "entries")
