"""The shipped store contract, unchanged, against PostgreSQL."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from propdesk_postgres.testing import SchemaFactory

from propdesk.testing.contract import CredentialStoreContract, EventStoreContract, StoreFactory

pytestmark = pytest.mark.postgres


class TestPostgresStore(EventStoreContract, CredentialStoreContract):
    # Each state-machine example opens a fresh schema: fewer, larger examples.
    state_machine_settings = settings(
        max_examples=15,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )

    @pytest.fixture
    def store_factory(self, pg_schemas: SchemaFactory) -> StoreFactory:
        return pg_schemas
