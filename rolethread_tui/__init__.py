"""RoleThread TUI: review LLM fine-tuning conversations (JSONL) in the terminal.

The public Python API is the `Session` (see docs/architecture.md)::

    from rolethread_tui import Session
    s = Session.open("batch.jsonl"); s.wait()
"""

from .domain.session import Session, SessionEvent

__all__ = ["Session", "SessionEvent"]


def __getattr__(name: str) -> str:
    """`__version__` comes from the installed metadata (pyproject is the one source)."""
    if name == "__version__":
        from .domain.resources import package_version

        return package_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
