"""Installing Postroom never stops a user's pytest from starting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_plugin_is_loaded_for_a_plain_project(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, "--help")
    assert "--postroom-database-url" in result.stdout


def test_a_project_with_its_own_migrations_package_still_runs_its_tests(tmp_path: Path) -> None:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "__init__.py").write_text("")
    (tmp_path / "test_mine.py").write_text("def test_mine():\n    assert True\n")

    result = run_pytest(tmp_path, "-q", "-W", "default")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert "disabled" not in result.stdout + result.stderr


def test_the_plugin_loads_beside_a_users_own_migrations_and_services(tmp_path: Path) -> None:
    for package in ("migrations", "services"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")

    result = run_pytest(tmp_path, "--help")

    assert "--postroom-database-url" in result.stdout
