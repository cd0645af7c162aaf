"""The exception tree drawn in ``postroom.errors`` is the tree the classes form."""

from __future__ import annotations

import re

import pytest

import postroom.errors as errors

DRAWN = re.compile(r"^(?P<indent>[ │├└─]*?)(?:[├└]── )?(?P<name>[A-Z]\w+Error)\b(?P<note>.*)$")


def drawing() -> dict[str, tuple[str | None, bool]]:
    """Each drawn class: (its drawn parent, whether the drawing marks it [retriable])."""
    doc = errors.__doc__ or ""
    lines = [line.strip("\n")[4:] for line in doc.splitlines() if "Error" in line and "──" in line]
    root = next(line for line in doc.splitlines() if line.strip() == "PostroomError")
    drawn: dict[str, tuple[str | None, bool]] = {root.strip(): (None, False)}
    stack: list[tuple[int, str]] = [(-1, "PostroomError")]
    for line in lines:
        depth = (line.index("──") - 1) // 4
        match = DRAWN.match(line.replace("├── ", "").replace("└── ", ""))
        assert match, line
        while stack[-1][0] >= depth:
            stack.pop()
        drawn[match["name"]] = (stack[-1][1], "[retriable]" in match["note"])
        stack.append((depth, match["name"]))
    return drawn


def test_every_public_error_is_drawn_and_nothing_else() -> None:
    assert set(drawing()) == set(errors.__all__)


@pytest.mark.parametrize("name", errors.__all__)
def test_each_class_derives_from_its_drawn_parent(name: str) -> None:
    parent, _ = drawing()[name]
    cls = getattr(errors, name)
    if parent is None:
        assert cls.__bases__ == (Exception,)
    else:
        postroom_bases = [b for b in cls.__bases__ if issubclass(b, errors.PostroomError)]
        assert [b.__name__ for b in postroom_bases] == [parent]


@pytest.mark.parametrize("name", errors.__all__)
def test_the_retriable_flag_is_the_drawn_one(name: str) -> None:
    _, retriable = drawing()[name]
    assert getattr(errors, name).retriable is retriable


def test_configuration_errors_are_value_errors_and_never_retriable() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        if issubclass(cls, errors.ConfigurationError):
            assert issubclass(cls, ValueError) and not cls.retriable
