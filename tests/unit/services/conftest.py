"""The services' unit tests are part of the ``services`` selection (``pytest -m services``)."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/unit/services" in str(item.path):
            item.add_marker(pytest.mark.services)
