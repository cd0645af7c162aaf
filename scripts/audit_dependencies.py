"""Audit the installed dependencies for known vulnerabilities (``scripts/audit`` runs it).

Postroom keeps no lock file: what is audited is the environment ``scripts/bootstrap``
installs from pyproject (``.[all]``), i.e. the exact versions the tests ran against.

1. ``pip-audit --skip-editable`` (PyPI's vulnerability data, per installed version).
2. Every dependency pip-audit could *not* audit (the index answered without per-version
   data, or the service was unreachable) is looked up once more in PyPI's project JSON,
   whose ``vulnerabilities`` list describes the latest release: when the installed
   version is that release, its list is authoritative; otherwise the dependency is
   reported as unaudited. An unaudited dependency never counts as clean.

Exit 0: every dependency audited, no finding that ``ACCEPTED`` does not explain.
Exit 1: a vulnerability without an explanation. Exit 3: something could not be audited.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

#: Vulnerability id -> why it does not apply to Postroom (see docs/security.md).
ACCEPTED: dict[str, str] = {}

_PYPI = "https://pypi.org/pypi/{name}/json"


def _pip_audit() -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "audit.json"
        subprocess.run(
            [sys.executable, "-m", "pip_audit", "--skip-editable", "--progress-spinner", "off",
             "-f", "json", "-o", str(report)],
            check=False,
        )  # fmt: skip
        if not report.exists():
            sys.exit("error: pip-audit produced no report (see above)")
        dependencies: list[dict[str, object]] = json.loads(report.read_text())["dependencies"]
        return dependencies


def _installed_version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def _latest_release_vulnerabilities(name: str, installed: str) -> list[str] | None:
    """Ids of the vulnerabilities PyPI lists for ``name`` if ``installed`` is its latest
    release; None when that can't be told."""
    try:
        with urllib.request.urlopen(_PYPI.format(name=name), timeout=30) as response:
            project = json.load(response)
    except (OSError, ValueError):
        return None
    if project.get("info", {}).get("version") != installed:
        return None
    return [str(v.get("id")) for v in project.get("vulnerabilities") or []]


def main() -> int:
    findings: list[tuple[str, str, str]] = []
    unaudited: list[str] = []
    audited = 0
    for dependency in _pip_audit():
        name = str(dependency["name"])
        if dependency.get("skip_reason"):
            if "editable" in str(dependency["skip_reason"]):
                continue  # Postroom itself
            installed = _installed_version(name)
            ids = _latest_release_vulnerabilities(name, installed)
            if ids is None:
                unaudited.append(f"{name} {installed}")
                continue
            findings += [(name, installed, vid) for vid in ids]
        else:
            vulns = dependency.get("vulns") or []
            findings += [
                (name, str(dependency["version"]), str(v["id"]))  # type: ignore[index]
                for v in vulns  # type: ignore[attr-defined]
            ]
        audited += 1
    unexplained = [f for f in findings if f[2] not in ACCEPTED]
    print(f"audited {audited} installed distributions; {len(findings)} finding(s)")
    for name, installed, vid in findings:
        print(f"  {name} {installed}: {vid} ({ACCEPTED.get(vid, 'NOT EXPLAINED')})")
    if unaudited:
        print(f"could not audit {len(unaudited)}: {', '.join(sorted(unaudited))}")
    if unexplained:
        return 1
    return 3 if unaudited else 0


if __name__ == "__main__":
    sys.exit(main())
