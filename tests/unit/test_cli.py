"""The command line parses and validates before it starts anything."""

from __future__ import annotations

import pytest

from connectors.cli import build_parser


def test_every_command_group_registers() -> None:
    help_text = build_parser().format_help()
    assert "demo" in help_text


def test_a_missing_command_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([])
    assert exit_.value.code == 2
    assert "required" in capsys.readouterr().err
