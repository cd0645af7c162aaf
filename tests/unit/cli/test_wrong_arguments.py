"""Every command given wrong arguments: one ``error:`` line, exit code 2, at parse time
(nothing starts, nothing connects). Extends test_parser.py's single cases to every
command and option; tests/integration/cli/test_every_failure.py covers what needs a
server (unreachable ones, missing tables)."""

from __future__ import annotations

import argparse

import pytest

from postroom.cli import main
from tests.unit.cli.test_parser import ALL, IDS

pytestmark = pytest.mark.fuzz

WRONG_NUMBERS = ["twelve", "", "nan", "inf", "-inf", "-1", "1e999", "0x10", "9" * 5000]


def typed_options() -> list[tuple[tuple[str, ...], argparse.Action]]:
    return [
        (path, action)
        for path, parser in ALL
        for action in parser._actions
        if action.option_strings and action.type is not None
    ]


TYPED = typed_options()
CHOICES = [
    (path, action)
    for path, parser in ALL
    for action in parser._actions
    if action.option_strings and action.choices
]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    code = exit_.value.code
    return int(code) if isinstance(code, int) else -1, capsys.readouterr().err


def assert_one_error_line(code: int, err: str, *mentions: str) -> None:
    assert code == 2, err
    lines = err.splitlines()
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1, err
    assert "Traceback" not in err
    assert all(line.startswith(("usage:", " ", "error:")) for line in lines), err
    for mention in mentions:
        assert mention in errors[0], errors[0]


@pytest.fixture(autouse=True)
def no_postroom_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "BOOTSTRAP_SERVERS", "CONNECT_URL", "STATE_DIR"):
        monkeypatch.delenv(f"POSTROOM_{name}", raising=False)


@pytest.mark.parametrize(("path", "parser"), ALL, ids=IDS)
def test_an_unknown_option_is_one_error_line(
    path: tuple[str, ...], parser: argparse.ArgumentParser, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run([*path, "--no-such-option", "x"], capsys)
    assert_one_error_line(code, err)  # the unknown option, or a required one missing
    assert "--no-such-option" in err or "required" in err


@pytest.mark.parametrize(
    ("path", "action"), TYPED, ids=[f"{' '.join(p)} {a.option_strings[0]}" for p, a in TYPED]
)
def test_every_number_option_refuses_what_is_not_a_sensible_number(
    path: tuple[str, ...], action: argparse.Action, capsys: pytest.CaptureFixture[str]
) -> None:
    if action.type in (int, float):
        pytest.fail(f"{action.option_strings[0]} takes a bare {action.type.__name__}: use _numbers")
    if not callable(action.type) or getattr(action.type, "__name__", "") == "Path":
        pytest.skip("not a number")
    for value in WRONG_NUMBERS:
        code, err = run([*path, f"{action.option_strings[0]}={value}"], capsys)
        assert_one_error_line(code, err, action.option_strings[0])


@pytest.mark.parametrize(
    ("path", "action"), CHOICES, ids=[f"{' '.join(p)} {a.option_strings[0]}" for p, a in CHOICES]
)
def test_a_value_outside_the_choices_is_one_error_line(
    path: tuple[str, ...], action: argparse.Action, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run([*path, action.option_strings[0], "'; DROP TABLE x; --"], capsys)
    assert_one_error_line(code, err, "invalid choice")


REQUIRING = [
    (path, parser)
    for path, parser in ALL
    if any(a.required for a in parser._actions if not isinstance(a, argparse._HelpAction))
]


@pytest.mark.parametrize(("path", "parser"), REQUIRING, ids=[" ".join(p) for p, _ in REQUIRING])
def test_a_missing_required_argument_is_one_error_line(
    path: tuple[str, ...], parser: argparse.ArgumentParser, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run(list(path), capsys)
    assert_one_error_line(code, err, "required")


@pytest.mark.parametrize(
    "argv",
    [
        ["dlq", "show", "t.dlq", "-1", "0"],
        ["dlq", "show", "t.dlq", "0", "zero"],
        ["dlq", "replay", "t.dlq", "--partition", "1e3"],
        ["replay", "group", "--group", "g", "--to-offset", "t:p=x"],
        ["replay", "group", "--group", "g", "--to-datetime", "next tuesday"],
        ["replay", "outbox", "--since", "2026-13-45", "--until", "now"],
        ["no-such-command"],
        ["slot"],
        ["--no-such-global", "slot", "list"],
    ],
    ids=lambda argv: " ".join(argv),
)
def test_malformed_positionals_and_values_are_one_error_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run(argv, capsys)
    assert_one_error_line(code, err)


def test_there_is_something_to_check() -> None:
    assert len(TYPED) > 20 and CHOICES and REQUIRING
