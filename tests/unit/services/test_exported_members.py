"""Each service package exposes a small, sorted, importable public surface."""

from __future__ import annotations

import importlib

import pytest

PACKAGES = [
    "postroom.services.activity",
    "postroom.services.auth",
    "postroom.services.authz",
    "postroom.services.deployment",
    "postroom.services.demo",
    "postroom.services.events",
    "postroom.services.platform",
    "postroom.services.privacy",
    "postroom.services.reporting",
    "postroom.services.users",
    "postroom.services.watch_history",
]


@pytest.mark.parametrize("package", PACKAGES)
def test_all_is_sorted_and_every_name_exists(package: str) -> None:
    module = importlib.import_module(package)
    exported = module.__all__
    assert exported == sorted(exported, key=lambda n: (not n.isupper(), n))
    for name in exported:
        assert hasattr(module, name), f"{package}.{name} is in __all__ but missing"
