"""propdesk: the front desk of a residential community under 首接负责制.

See the README and ``docs/`` for the tour.  The public API is re-exported
lazily here so that ``import propdesk`` (and the CLI) start quickly.
"""

from __future__ import annotations

__version__ = "0.1.0"
