"""Each package exposes a small, sorted, importable public surface."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize(
    "package",
    [
        "postroom",
        "postroom.errors",
        "postroom.lifecycle",
        "postroom.outbox",
        "postroom.outbox.wire",
        "postroom.inbox",
        "postroom.inbox.testing",
        "postroom.connectors",
        "postroom.connectors.relay",
        "postroom.connectors.kafka_connect",
        "postroom.connectors.topics",
        "postroom.migrations",
        "postroom.devstack",
        "postroom.ops",
        "postroom.privacy",
        "postroom.saga",
        "postroom.cli",
    ],
)
def test_all_is_sorted_and_every_name_exists(package: str) -> None:
    module = importlib.import_module(package)
    exported = module.__all__
    assert exported == sorted(exported, key=lambda n: (not n.isupper(), n))
    for name in exported:
        assert hasattr(module, name), f"{package}.{name} is in __all__ but missing"
