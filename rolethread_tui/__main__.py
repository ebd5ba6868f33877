"""`python -m rolethread_tui`."""

import sys

from .cli.main import main

if __name__ == "__main__":  # worker processes re-import this module: do not run then
    sys.exit(main())
