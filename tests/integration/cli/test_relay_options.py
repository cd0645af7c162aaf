"""``postroom relay`` reads an outbox where ``postroom migrate`` put it, from any URL form."""

from __future__ import annotations

from pathlib import Path

import pytest

from postroom import migrations
from postroom.connectors import list_slots
from postroom.database_url import async_url
from postroom.devstack import EmbeddedStack
from tests.integration.relay.relay_process import RelayProcess


@pytest.mark.slow
def test_a_relay_reads_a_non_default_schema_from_an_asyncpg_url(
    stack: EmbeddedStack, tmp_path: Path
) -> None:
    url = stack.postgres.create_database("cli_schema")
    migrations.upgrade(url, schema="svc")
    relay = RelayProcess(
        {"svc": async_url(url)}, stack.bootstrap_servers, tmp_path, "--schema", "svc"
    )
    try:
        relay.start()
        # The relay reads the slot the migration recorded for schema svc, and holds it.
        (slot,) = [s for s in list_slots(url) if s.slot_name == "postroom_cli_schema_svc"]
        assert slot.active
        assert relay.terminate() == 0
    finally:
        relay.stop()
