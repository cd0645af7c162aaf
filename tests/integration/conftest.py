"""Integration tests run against real servers only."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.path):
            item.add_marker(pytest.mark.integration)


def eventually(check: Callable[[], bool], *, timeout: float = 30.0, what: str = "it") -> None:
    """Wait until ``check()`` holds; fail naming ``what`` if it does not in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    pytest.fail(f"{what} did not happen within {timeout} s")
