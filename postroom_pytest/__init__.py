"""Postroom's pytest11 entry point, under a name no user project shadows.

Postroom's packages have plain top-level names (``migrations``, ``services``, ...). A
project with its own ``migrations`` package earlier on ``sys.path`` would make a direct
``migrations.pytest_plugin`` entry point fail, and pytest would not start at all. This
shim registers the plugin only when ``migrations`` resolves to Postroom's own package;
otherwise it warns and stays out of the way.
"""

from __future__ import annotations

import importlib
import importlib.util
import warnings
from pathlib import Path

import pytest

__all__ = ["pytest_addhooks"]

_INSTALL_ROOT = Path(__file__).resolve().parent.parent


def _migrations_is_ours() -> bool:
    spec = importlib.util.find_spec("migrations")
    if spec is None or spec.origin is None:
        return False
    return Path(spec.origin).resolve().parent.parent == _INSTALL_ROOT


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    if _migrations_is_ours():
        plugin = importlib.import_module("migrations.pytest_plugin")
        if not pluginmanager.is_registered(plugin):
            pluginmanager.register(plugin, "postroom-migrations")
        return
    warnings.warn(
        "Postroom's pytest plugin is disabled: this project's own 'migrations' package "
        "shadows Postroom's. Run pytest with '-p migrations.pytest_plugin' from an "
        "environment where Postroom's package comes first to use it.",
        stacklevel=1,
    )
