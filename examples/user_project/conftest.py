"""The shop's tests use Postroom's pytest plugin (loaded by its ``pytest11`` entry point).

In the shop's own repository, one line in its pytest configuration is all it takes::

    [tool.pytest.ini_options]
    postroom_alembic_ini = "alembic.ini"

Here, inside Postroom's repository (whose pytest configuration is not the shop's), the
fixture is overridden to point at this directory's ``alembic.ini`` instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.config import Config


@pytest.fixture
def postroom_alembic_config() -> Config:
    return Config(str(Path(__file__).parent / "alembic.ini"))
