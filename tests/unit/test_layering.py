"""No package reaches into another package's private (underscore) modules (the layers
themselves are import-linter contracts in pyproject, run by scripts/test)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
#: Where each ``postroom.<package>`` lives in the repository.
PACKAGES = {
    "outbox": REPO / "outbox",
    "inbox": REPO / "inbox",
    "connectors": REPO / "connectors",
    "migrations": REPO / "migrations",
    "services": REPO / "services",
    "cli": REPO / "postroom" / "cli",
    "devstack": REPO / "postroom" / "devstack",
    "ops": REPO / "postroom" / "ops",
    "privacy": REPO / "postroom" / "privacy",
}
#: Everything else that imports Postroom: tests, benchmarks, examples.
OUTSIDERS = [REPO / "tests", REPO / "benchmarks", REPO / "examples"]


def imported_modules(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name


def private_reaches(owner: str | None, root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        for line, module in imported_modules(path):
            parts = module.split(".")
            if parts[0] != "postroom" or len(parts) < 3 or parts[1] == owner:
                continue
            if any(part.startswith("_") and not part.startswith("__") for part in parts[2:]):
                found.append(f"{path.relative_to(REPO)}:{line}: {module}")
    return found


def test_no_package_imports_another_packages_private_modules() -> None:
    found = [hit for owner, root in PACKAGES.items() for hit in private_reaches(owner, root)]
    assert found == []


def test_tests_benchmarks_and_examples_use_only_public_modules() -> None:
    found = [hit for root in OUTSIDERS for hit in private_reaches(None, root)]
    assert found == []
