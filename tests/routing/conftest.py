"""Fixtures of the routing tests."""

from __future__ import annotations

import pytest
from tests.routing.routing_support import build_config

from propdesk.domain.config import Config


@pytest.fixture

def config() -> Config:
    return build_config()
