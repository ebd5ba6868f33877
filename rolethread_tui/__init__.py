"""RoleThread TUI: review LLM fine-tuning conversations (JSONL) in the terminal.

The public Python API is the `Session` (see DESIGN.md §3)::

    from rolethread_tui import Session
    s = Session.open("batch.jsonl"); s.wait()
"""

from .domain.session import Session, SessionEvent

__all__ = ["Session", "SessionEvent"]
__version__ = "0.1.0"
