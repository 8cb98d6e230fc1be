"""The shipped store contract, unchanged, against PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

pytest.importorskip("propdesk_postgres.testing", reason="propdesk-postgres is not installed: "
                    "pip install -e plugins/propdesk-postgres")

from hypothesis import HealthCheck, settings

from propdesk.testing.contract import CredentialStoreContract, EventStoreContract, StoreFactory

if TYPE_CHECKING:
    from propdesk_postgres.testing import SchemaFactory

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
