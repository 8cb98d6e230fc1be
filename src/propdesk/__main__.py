"""``python -m propdesk``: the same as the ``propdesk`` command."""

from __future__ import annotations

import sys

from propdesk.cli import main

if __name__ == "__main__":
    sys.exit(main())
