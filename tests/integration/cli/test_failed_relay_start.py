"""A relay start that fails leaves nothing behind that holds WAL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from postroom import migrations
from postroom.connectors import list_slots
from postroom.devstack import EmbeddedStack, free_port


def slots(url: str) -> set[str]:
    return {slot.slot_name for slot in list_slots(url)}


def relay(url: str, bootstrap_servers: str, state_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTROOM_")}
    return subprocess.run(
        [
            *[sys.executable, "-m", "postroom.cli", "relay", "--source", f"lost={url}"],
            *["--bootstrap-servers", bootstrap_servers, "--state-dir", str(state_dir)],
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_an_unreachable_broker_creates_no_slot(stack: EmbeddedStack, tmp_path: Path) -> None:
    url = stack.postgres.create_database("cli_nobroker")
    migrations.upgrade(url)
    before = slots(url)

    started = time.monotonic()
    run = relay(url, f"127.0.0.1:{free_port()}", tmp_path)

    assert run.returncode == 2
    assert run.stderr.startswith("error: no Kafka broker answers at 127.0.0.1:")
    assert time.monotonic() - started < 10
    assert slots(url) == before
    assert "postroom_lost" not in slots(url)


def test_a_start_failing_after_the_slot_was_made_drops_it(
    stack: EmbeddedStack, tmp_path: Path
) -> None:
    """Offsets of another database are refused only once the slot exists: the failed
    start must drop the slot it created."""
    url = stack.postgres.create_database("cli_stale")
    migrations.upgrade(url)
    before = slots(url)
    identity = tmp_path / "lost.identity.json"
    identity.write_text(json.dumps({"database": "another", "slot": "postroom_lost"}))
    (tmp_path / "lost.offsets").write_bytes(b"")

    run = relay(url, stack.bootstrap_servers, tmp_path)

    assert run.returncode == 2, run.stderr
    assert run.stderr.count("error:") == 1 and "Traceback" not in run.stderr
    assert slots(url) == before
