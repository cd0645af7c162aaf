"""``postroom migrate`` against a real database: upgrade, current, check, downgrade."""

from __future__ import annotations

import json

import pytest

from postroom import migrations
from postroom.cli import main


def test_the_cli_upgrades_reports_checks_and_downgrades(
    postroom_database: migrations.ThrowawayDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    where = ["--database-url", postroom_database.url, "--schema", "svc"]
    head = migrations.revisions()[-1]

    assert main(["migrate", "upgrade", *where]) == 0
    upgraded = capsys.readouterr().out
    assert upgraded.startswith(f"upgraded Postroom's tables in svc to revision {head}; capture: ")
    assert upgraded.count("\n") == 1
    assert main(["migrate", "current", "--json", *where]) == 0
    assert json.loads(capsys.readouterr().out) == {"current": head}
    assert main(["migrate", "check", *where]) == 0
    assert "no drift" in capsys.readouterr().out
    assert main(["migrate", "history", "--json", *where]) == 0
    assert [r["revision"] for r in json.loads(capsys.readouterr().out) if r["current"]] == [head]
    assert main(["migrate", "downgrade", "base", *where]) == 0
    assert capsys.readouterr().out == "downgraded Postroom's tables in svc to revision (none)\n"
    assert main(["migrate", "current", *where]) == 0
    assert capsys.readouterr().out.strip().endswith("(none)")


def test_the_cli_check_fails_on_a_database_that_is_behind(
    postroom_database: migrations.ThrowawayDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate", "check", "--database-url", postroom_database.url]) == 2
    assert "add_table: outbox" in capsys.readouterr().err
