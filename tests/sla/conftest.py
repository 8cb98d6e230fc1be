"""Fixtures of the SLA tests: a small community, its rules, a ticket builder."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tests.sla.slahelp import TicketBuilder, build_config

from propdesk.domain.config import Config
from propdesk.domain.sla import SlaRules


@pytest.fixture(scope="session")
def sla_config() -> Config:
    return build_config()


@pytest.fixture(scope="session")
def rules(sla_config: Config) -> SlaRules:
    return SlaRules.from_config(sla_config)


@pytest.fixture
def new(sla_config: Config) -> Callable[..., TicketBuilder]:
    def make(ticket: str = "A1", config: Config | None = None) -> TicketBuilder:
        return TicketBuilder(config or sla_config, ticket)
    return make
