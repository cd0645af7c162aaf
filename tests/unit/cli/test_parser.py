"""The command line's shape: every option described, the same variables everywhere,
``--json`` wherever a command reports, and a bad option one ``error:`` line."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from postroom.cli import ENVIRONMENT, EnvOption, build_parser, main

README = Path(__file__).parents[3] / "README.md"


def commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every runnable command: (its words, its parser)."""
    subcommands = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subcommands and path:
        yield path, parser
    for action in subcommands:
        for name, sub in action.choices.items():
            yield from commands(sub, (*path, name))


ALL = list(commands(build_parser()))
IDS = [" ".join(path) for path, _ in ALL]


def test_the_commands_the_readme_names_exist() -> None:
    assert {
        "demo",
        "relay",
        "slot list",
        "slot drop",
        "retain maintain",
        "connector render",
        "connector register",
        "connector status",
        "connector restart",
        "connector delete",
        "dlq list",
        "dlq show",
        "dlq replay",
        "inbox purge",
        "migrate upgrade",
        "migrate downgrade",
        "migrate current",
        "migrate history",
        "migrate check",
    } <= set(IDS)


@pytest.mark.parametrize(("path", "parser"), ALL, ids=IDS)
def test_every_option_and_argument_is_described(
    path: tuple[str, ...], parser: argparse.ArgumentParser
) -> None:
    undescribed = [
        action.option_strings[0] if action.option_strings else action.dest
        for action in parser._actions
        if not action.help and not isinstance(action, argparse._HelpAction)
    ]
    assert undescribed == []


@pytest.mark.parametrize(("path", "parser"), ALL, ids=IDS)
def test_every_command_that_reports_takes_json(
    path: tuple[str, ...], parser: argparse.ArgumentParser
) -> None:
    long_running = {("demo",), ("relay",), ("monitor",)}
    prints_json_always = path[0] == "connector" or path == ("events", "asyncapi")
    if path in long_running or prints_json_always:
        pytest.skip("runs until stopped, or prints JSON always")
    assert "--json" in parser._option_string_actions


@pytest.mark.parametrize("option", ENVIRONMENT, ids=[o.env for o in ENVIRONMENT])
def test_an_option_means_the_same_variable_in_every_command(option: EnvOption) -> None:
    using = [parser for _, parser in ALL if option.flag in parser._option_string_actions]
    assert using, f"no command takes {option.flag}"
    for parser in using:
        assert f"(env {option.env}" in (parser._option_string_actions[option.flag].help or "")


def readme_environment_table() -> dict[str, str]:
    section = README.read_text().split("### Environment variables", 1)[1].split("\n#", 1)[0]
    return dict(re.findall(r"^\| `(POSTROOM_\w+)` \| `(--[\w-]+)` \|", section, flags=re.M))


def test_the_readme_lists_exactly_the_variables_the_commands_read() -> None:
    assert readme_environment_table() == {o.env: o.flag for o in ENVIRONMENT}


def test_a_variable_stands_in_for_a_missing_flag_and_a_flag_wins(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POSTROOM_DATABASE_URL", "mysql://h/from_env")
    assert main(["slot", "list"]) == 2
    assert "mysql://" in capsys.readouterr().err
    assert main(["slot", "list", "--database-url", "sqlite:///flag"]) == 2
    assert "sqlite://" in capsys.readouterr().err


def test_dlq_has_no_silent_default_broker(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("POSTROOM_BOOTSTRAP_SERVERS", raising=False)
    assert main(["dlq", "list"]) == 2
    assert capsys.readouterr().err == (
        "error: --bootstrap-servers is required: give it, or set POSTROOM_BOOTSTRAP_SERVERS\n"
    )


def test_an_unknown_option_is_reported_with_the_commands_own_usage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["migrate", "current", "--no-such-option"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: postroom migrate current ")
    assert err.splitlines()[-1] == (
        "error: unrecognized arguments: --no-such-option (see `postroom migrate current --help`)"
    )


def test_a_bad_value_is_one_error_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["dlq", "replay", "t.dlq", "--partition", "-1"])
    assert exit_.value.code == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert len(errors) == 1
    assert errors[0].startswith("error: argument --partition: must be >= 0")


def test_a_missing_command_is_one_error_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].startswith("error: the following arguments")


def test_a_postroom_error_is_one_clear_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["connector", "render", "auth", "--database-url", "postgresql://localhost", "--no-validate"]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "needs a host and a database" in err


def test_debug_shows_the_traceback_instead() -> None:
    from postroom.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="--database-url is required"):
        main(["--debug", "slot", "list"])
