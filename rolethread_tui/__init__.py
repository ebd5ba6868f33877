"""RoleThread TUI: review LLM fine-tuning conversations (JSONL) in the terminal.

The public Python API is the `Session` (see docs/architecture.md)::

    from rolethread_tui import Session
    s = Session.open("batch.jsonl"); s.wait()
"""

from typing import Any

__all__ = ["Session", "SessionEvent"]


def __getattr__(name: str) -> Any:
    """`Session` on first use (PEP 562): the scan helper process and the CLI's
    argument parsing import this package without needing the whole domain.
    `__version__` comes from the installed metadata (pyproject is the one source)."""
    if name in __all__:
        from .domain import session

        return getattr(session, name)
    if name == "__version__":
        from .domain.resources import package_version

        return package_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
