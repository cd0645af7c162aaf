"""The command line parses and validates before it starts anything."""

from __future__ import annotations

import pytest

from postroom.cli import build_parser


def test_every_command_group_registers() -> None:
    help_text = build_parser().format_help()
    assert "demo" in help_text


def test_a_missing_command_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([])
    assert exit_.value.code == 2
    assert "required" in capsys.readouterr().err


def test_dlq_replay_validates_partition_and_offset(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["dlq", "replay", "t.dlq", "--partition", "-1"])
    assert exit_.value.code == 2
    assert "must be >= 0" in capsys.readouterr().err


def test_dlq_and_inbox_commands_register() -> None:
    args = build_parser().parse_args(["dlq", "list", "--json"])
    assert args.json and args.topic is None
    purge = build_parser().parse_args(["inbox", "purge", "--database-url", "postgresql://x/y"])
    assert purge.batch_size == 5000 and purge.horizon_days is None


def test_a_postroom_error_is_one_clear_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    from postroom.cli import main

    code = main(["connector", "render", "auth", "--database-url", "postgresql://localhost"])

    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "needs a host and a database" in err
    assert "Traceback" not in err
