"""A search with the Rust ``regex`` crate pydantic-core ships, reached cheaply.

A string schema with a pattern (``str_schema(pattern=..., regex_engine="rust-regex")``,
a documented API) is valid when the pattern is found anywhere in the text; a
union turns "valid or not" into an answer without raising (see `scanner`).

What it costs a process to get there: ``import pydantic_core`` runs the
package's ``__init__``, which imports ``core_schema`` — some two hundred
TypedDicts and helpers, ~20 ms, more than building the searches themselves,
paid by every process before its first entry (the scan's helper too). The
searches need only the extension's ``SchemaValidator`` and a schema, which is
plain dicts (the very ones ``core_schema``'s helpers return: a test compares
them). So the extension module is loaded from its file under its own name;
should that fail in any way, the package is imported as usual. Either way
`scanner.rust_engine_ok` tests the engine before anything relies on it, and
``import pydantic_core`` later in the process (the settings' models) finds
the same extension module in ``sys.modules``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import lru_cache
from typing import Any

_EXTENSION = "pydantic_core._pydantic_core"

Matcher = Callable[[str], bool]


@lru_cache(maxsize=1)
def schema_validator() -> Any:
    """pydantic-core's ``SchemaValidator`` class, or None if it cannot be had."""
    loaded = sys.modules.get(_EXTENSION)
    if loaded is None:
        try:
            loaded = _load_extension()
        except Exception:  # any surprise: the usual import below
            loaded = None
    if loaded is None:
        try:
            from pydantic_core import SchemaValidator
        except ImportError:  # pragma: no cover - pydantic is a dependency
            return None
        return SchemaValidator
    return loaded.SchemaValidator


def _load_extension() -> Any:
    """The extension module, loaded from its file without the package's ``__init__``
    (None when it is not a plain file beside the package)."""
    import importlib.machinery
    import importlib.util
    import os

    package = importlib.util.find_spec("pydantic_core")  # finds, does not import
    for folder in (package.submodule_search_locations or []) if package else []:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = os.path.join(folder, "_pydantic_core" + suffix)
            if os.path.isfile(path):
                loader = importlib.machinery.ExtensionFileLoader(_EXTENSION, path)
                spec = importlib.util.spec_from_file_location(_EXTENSION, path, loader=loader)
                module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
                loader.exec_module(module)
                return sys.modules.setdefault(_EXTENSION, module)
    return None


def search_schema(pattern: str, answer: Callable[[object], object]) -> dict[str, Any]:
    """``answer`` of the text when `pattern` is found in it (a failed validation
    otherwise): ``core_schema.no_info_after_validator_function(answer,
    core_schema.str_schema(pattern=pattern, regex_engine="rust-regex", strict=True))``."""
    return {"type": "function-after", "function": {"type": "no-info", "function": answer},
            "schema": {"type": "str", "pattern": pattern, "regex_engine": "rust-regex",
                       "strict": True}}


def plain_schema(answer: Callable[[object], object]) -> dict[str, Any]:
    """``answer`` of anything: ``core_schema.no_info_plain_validator_function(answer)``."""
    return {"type": "function-plain", "function": {"type": "no-info", "function": answer}}


def first_of(choices: list[dict[str, Any]]) -> dict[str, Any]:
    """The first choice that validates: ``core_schema.union_schema(choices,
    mode="left_to_right")``."""
    return {"type": "union", "choices": choices, "mode": "left_to_right"}


def rust_matcher(source: str) -> Matcher | None:
    """A search with the Rust regex, or None if it is unavailable."""
    validator = schema_validator()
    if validator is None:
        return None
    try:
        schema = first_of([search_schema(source, always_true), plain_schema(_false)])
        return validator(schema).validate_python  # type: ignore[no-any-return]
    except Exception:  # any failure means "use re instead"
        return None


def rust_screen(source: str) -> Callable[[str], bool | None] | None:
    """Like `rust_matcher`, plus a third answer: None for text the engine cannot
    read (a lone surrogate is not UTF-8), where "not found" would be a guess."""
    validator = schema_validator()
    if validator is None:
        return None
    try:
        schema = first_of([search_schema(source, always_true), search_schema("", _false),
                           plain_schema(_none)])
        return validator(schema).validate_python  # type: ignore[no-any-return]
    except Exception:  # any failure means "no screen"
        return None


def _none(_: object) -> None:
    return None


def always_true(_: object) -> bool:
    """The answer of a search that found its pattern (the scanner's "always" matcher too)."""
    return True


def _false(_: object) -> bool:
    return False
