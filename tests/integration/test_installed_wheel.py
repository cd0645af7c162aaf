"""Postroom installed from its wheel works beside a user project that has its own
``migrations`` (Alembic) and ``services`` packages: nothing shadows anything.

The wheel is built from this checkout and installed into a fresh virtual environment
(its dependencies are borrowed from the test environment's site-packages by path, so no
download happens, and this checkout is never on that environment's ``sys.path``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

from postroom.devstack import EmbeddedStack

REPO = Path(__file__).resolve().parents[2]

USER_ENV = '''
"""The user's own Alembic environment (its own version table, its own history)."""
from alembic import context
import sqlalchemy as sa

config = context.config
engine = sa.create_engine(config.get_main_option("sqlalchemy.url"), poolclass=sa.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
'''

USER_REVISION = '''
"""orders"""
from alembic import op
import sqlalchemy as sa

revision = "user_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("orders", sa.Column("id", sa.Text, primary_key=True))


def downgrade() -> None:
    op.drop_table("orders")
'''

USER_SERVICE = '''
"""The user's own ``services`` package: an order and its event in one transaction."""
import sqlalchemy as sa
from sqlalchemy.orm import Session

from postroom.outbox import Event, publish


def place_order(engine: sa.Engine, order_id: str) -> None:
    with Session(engine) as session, session.begin():
        session.execute(sa.text("INSERT INTO orders VALUES (:id)"), {"id": order_id})
        publish(
            session,
            Event(aggregate_type="order", aggregate_id=order_id, type="OrderPlaced",
                  payload={"id": order_id}),
        )
'''

USER_MAIN = """
import sys
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

import migrations
import services.orders
from postroom import migrations as postroom_migrations

here = Path(__file__).parent
url = sys.argv[1]
assert Path(migrations.__file__).parent == here / "migrations", migrations.__file__
assert Path(services.__file__).parent == here / "services", services.__file__
assert "site-packages" in postroom_migrations.__file__, postroom_migrations.__file__

config = Config(str(here / "alembic.ini"))
config.set_main_option("sqlalchemy.url", url)
command.upgrade(config, "head")
postroom_migrations.upgrade(url)

engine = sa.create_engine(url)
services.orders.place_order(engine, "o-1")
with engine.connect() as connection:
    assert connection.execute(sa.text("SELECT id FROM orders")).scalars().all() == ["o-1"]
print("user project ok")
"""

USER_TEST = """
from postroom import migrations


def test_the_users_migrations_go_up_down_and_up(postroom_migrator: migrations.Migrator) -> None:
    assert postroom_migrator.stairway() == ["user_0001"]
"""

ALEMBIC_INI = """
[alembic]
script_location = %(here)s/migrations
sqlalchemy.url = postgresql+psycopg://unused/unused
"""


def write_user_project(root: Path) -> None:
    files = {
        "alembic.ini": ALEMBIC_INI,
        "migrations/__init__.py": "",
        "migrations/env.py": USER_ENV,
        "migrations/script.py.mako": "",
        "migrations/versions/user_0001_orders.py": USER_REVISION,
        "services/__init__.py": "",
        "services/orders.py": USER_SERVICE,
        "main.py": USER_MAIN,
        "tests/test_user_migrations.py": USER_TEST,
        "pytest.ini": "[pytest]\nasyncio_default_fixture_loop_scope = session\n",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with only the wheel of this checkout installed."""
    root = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(root), str(REPO)],
        root,
        env,
    )
    (wheel,) = root.glob("postroom-*.whl")
    venv = root / "venv"
    run([sys.executable, "-m", "venv", str(venv)], root, env)
    (site,) = venv.glob("lib/python*/site-packages")
    (site / "borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index"]
    run([*pip, str(wheel)], root, env)
    return venv


def test_the_wheel_installs_only_the_postroom_import_name(installed: Path) -> None:
    site = next(installed.glob("lib/python*/site-packages"))
    record = next(site.glob("postroom-*.dist-info")) / "RECORD"
    top_level = {line.split("/")[0] for line in record.read_text().splitlines()}
    assert {name for name in top_level if not name.endswith(".dist-info")} - {".."} == {"postroom"}


def test_a_user_project_with_its_own_migrations_and_services_runs_beside_postroom(
    installed: Path, stack: EmbeddedStack, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    write_user_project(project)
    url = stack.postgres.create_database("wheel_user")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    python = str(installed / "bin" / "python")

    assert "user project ok" in run([python, "main.py", url], project, env)
    assert "usage: postroom" in run([str(installed / "bin" / "postroom"), "--help"], project, env)
    server = stack.postgres.url()
    tests = run(
        [
            python,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--postroom-database-url={server}",
        ],
        project,
        env,
    )
    assert "1 passed" in tests
