"""``postroom replay`` and ``postroom events`` parse and validate before touching
anything."""

from __future__ import annotations

import pytest

from postroom.cli import build_parser


def test_a_group_replay_defaults_to_the_earliest_offsets() -> None:
    args = build_parser().parse_args(["replay", "group", "--group", "activity"])

    assert args.group == "activity"
    assert args.to_datetime is None and args.to_offset is None


def test_offsets_are_topic_partition_equals_offset() -> None:
    args = build_parser().parse_args(
        ["replay", "group", "--group", "g", "--to-offset", "outbox.event.user:2=42"]
    )

    assert args.to_offset == [("outbox.event.user", 2, 42)]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--to-offset", "outbox.event.user=42"], "TOPIC:PARTITION=OFFSET"),
        (["--to-offset", "t:0=-1"], "TOPIC:PARTITION=OFFSET"),
        (["--to-datetime", "2026-11-23T10:00:00"], "time zone"),
        (["--to-datetime", "yesterday"], "ISO 8601"),
        (["--to-earliest", "--to-datetime", "2026-11-23T10:00:00Z"], "not allowed"),
    ],
)
def test_a_bad_target_is_refused(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["replay", "group", "--group", "g", *argv])

    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_an_outbox_replay_needs_a_range() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["replay", "outbox", "--database-url", "postgresql://x/y"])
