"""What a payload must be to travel: JSON that PostgreSQL's ``jsonb`` and every consumer
accept, checked before it is serialised.

``check_payload`` walks the payload once, without recursion (a payload nested 10,000
deep must be refused, not crash the interpreter), and names the first offending place
as a path such as ``payload["user"]["tags"][3]``:

- nesting deeper than ``MAX_PAYLOAD_DEPTH`` (consumers parse JSON recursively too);
- a string or key holding a lone surrogate (``"\\ud800"``): ``json.dumps`` writes it as
  an escape that PostgreSQL refuses at ``publish()``, long after the event was made;
- a string or key holding the NUL character, which ``jsonb`` can not store. A backslash
  followed by the text ``u0000`` is an ordinary string and passes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from postroom.errors import InvalidEventError

__all__ = ["MAX_PAYLOAD_DEPTH", "check_payload"]

#: Objects and arrays nest at most this deep (the payload itself is level 1).
MAX_PAYLOAD_DEPTH = 100

_SURROGATE = re.compile("[\ud800-\udfff]")


def _where(path: tuple[Any, ...]) -> str:
    return "payload" + "".join(f"[{step!r}]" for step in path)


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character, which PostgreSQL's jsonb can not store"
    if _SURROGATE.search(text):
        return "contains a lone surrogate (not valid Unicode), which PostgreSQL refuses"
    return None


def check_payload(
    payload: Mapping[str, Any] | list[Any], *, max_depth: int = MAX_PAYLOAD_DEPTH
) -> None:
    """Raise ``InvalidEventError`` naming the first place ``payload`` can't travel."""
    pending: list[tuple[Any, int, tuple[Any, ...]]] = [(payload, 1, ())]
    while pending:
        value, depth, path = pending.pop()
        if depth > max_depth:
            raise InvalidEventError(
                f"payload nests deeper than {max_depth} levels at {_where(path)}"
            )
        items = value.items() if isinstance(value, Mapping) else enumerate(value)
        for key, item in items:
            if isinstance(key, str) and (problem := _text_problem(key)):
                raise InvalidEventError(f"the key {key!r} of {_where(path)} {problem}")
            if isinstance(item, str):
                if problem := _text_problem(item):
                    raise InvalidEventError(f"{_where((*path, key))} {problem}")
            elif isinstance(item, Mapping | list | tuple):
                pending.append((item, depth + 1, (*path, key)))
