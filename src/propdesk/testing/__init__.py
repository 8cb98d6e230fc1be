"""Test support for propdesk and for integrators.

* :mod:`propdesk.testing.contract` — the event-store contract: abstract
  tests and a Hypothesis state machine every store must pass unchanged.
* :mod:`propdesk.testing.fixtures` — a pytest plugin (registered through the
  ``pytest11`` entry point, so installing propdesk activates it) with
  fixtures for stores and the PostgreSQL test server.

Nothing heavy is imported here; import the submodule you need.
"""

from __future__ import annotations

__all__ = ["contract", "fixtures"]
