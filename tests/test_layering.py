"""The domain layer must not import Textual (docs/architecture.md): checked on the import graph."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "rolethread_tui"


def test_domain_modules_do_not_import_textual():
    modules = sorted(
        "rolethread_tui." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts)
        for p in (PACKAGE / "domain").rglob("*.py")
    )
    modules = [m.removesuffix(".__init__") for m in modules]
    code = (
        "import sys\n"
        f"for name in {modules!r}: __import__(name)\n"
        "import rolethread_tui, rolethread_tui.cli.main\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "", f"domain/CLI import pulled in Textual: {out.stdout[:200]}"


def test_no_textual_import_statement_below_the_tui():
    offenders = [
        str(p.relative_to(PACKAGE))
        for p in (PACKAGE / "domain").rglob("*.py")
        if any(line.lstrip().startswith(("import textual", "from textual"))
               for line in p.read_text(encoding="utf-8").splitlines())
    ]
    assert offenders == []


def test_the_tui_reaches_the_domain_only_through_its_port():
    """Screens and widgets import `rolethread_tui.domain`, never one of its modules
    (docs/architecture.md): a domain rule can then move without touching the TUI."""
    import re

    deep = re.compile(r"^\s*(from|import)\s+(rolethread_tui\.domain\.\w+|\.\.+domain\.\w+)")
    offenders = [
        f"{p.relative_to(PACKAGE)}:{n}"
        for p in (PACKAGE / "tui").rglob("*.py")
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if deep.match(line)
    ]
    assert offenders == []


def test_every_name_the_port_promises_exists():
    import rolethread_tui.domain as port

    missing = [name for name in port.__all__ if not hasattr(port, name)]
    assert missing == []


def test_no_module_of_the_package_is_over_600_lines():
    big = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600}
    assert big == {}
