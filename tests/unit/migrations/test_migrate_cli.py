"""``postroom migrate``: parsed and validated before any database is touched."""

from __future__ import annotations

import pytest

from postroom.cli import build_parser, main


def test_migrate_is_a_command_with_its_actions() -> None:
    parser = build_parser()
    assert "migrate" in parser.format_help()
    args = parser.parse_args(
        ["migrate", "upgrade", "--database-url", "postgresql://h/d", "--schema", "s"]
    )
    assert (args.migrate_command, args.revision, args.schema) == ("upgrade", "head", "s")


def test_downgrade_needs_a_target_revision(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["migrate", "downgrade", "--database-url", "postgresql://h/d"])
    assert "revision" in capsys.readouterr().err


def test_a_missing_database_url_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POSTROOM_DATABASE_URL", raising=False)

    assert main(["migrate", "current"]) == 2
    assert (
        "error: --database-url is required: give it, or set POSTROOM_DATABASE_URL"
        in capsys.readouterr().err
    )


def test_a_malformed_header_column_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["migrate", "upgrade", "--database-url", "postgresql://h/d", "--header-column", "region"]
    )
    assert code == 2
    assert "--header-column wants COLUMN=HEADER" in capsys.readouterr().err


def test_history_lists_revisions_without_a_database(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["migrate", "history", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["revision"] == "0001"
    assert rows[0]["down_revision"] is None


def test_upgrade_sql_prints_the_ddl_without_connecting(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "migrate",
            "upgrade",
            "--sql",
            "--database-url",
            "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "--schema",
            "svc",
            "--outbox-table",
            "events",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert 'CREATE SCHEMA IF NOT EXISTS "svc"' in out
    assert "CREATE TABLE svc.events" in out
    assert "svc.postroom_alembic_version" in out


def test_upgrade_records_a_mode_and_may_leave_capture_out() -> None:
    args = build_parser().parse_args(
        ["migrate", "upgrade", "--database-url", "postgresql://h/d", "--mode", "wal-message",
         "--no-capture"]
    )  # fmt: skip
    assert (args.mode, args.no_capture) == ("wal-message", True)
    assert build_parser().parse_args(["migrate", "capture"]).migrate_command == "capture"


def test_the_relay_takes_its_mode_from_the_database_unless_told() -> None:
    args = build_parser().parse_args(
        ["relay", "--source", "a=postgresql://h/a", "--bootstrap-servers", "k:9092",
         "--state-dir", "s"]
    )  # fmt: skip
    assert (args.mode, args.schema) == (None, None)
