"""The repository's docs and code stand alone: nothing points at files a user of the
repository does not have (the team's internal design and stack notes)."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUTSIDE = ["DESIGN" + ".md", "STACK" + ".md", "../" + "shared"]


def test_no_tracked_file_cites_documents_outside_the_repository() -> None:
    files = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    citing = []
    for name in files:
        path = REPO / name
        if path.is_symlink() or not path.is_file():
            continue
        text = path.read_text(errors="replace")
        citing += [f"{name}: {word}" for word in OUTSIDE if word in text]
    assert citing == []
