"""The status page as a browser shows it: headless Chromium renders it from the running
monitor, the test reads the rendered page for live numbers and saves a screenshot
(``POSTROOM_UPDATE_SCREENSHOTS=1`` also writes it to docs/ops/status-page.png)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from tests.integration.ops.conftest import SOURCE, Flow

pytestmark = [pytest.mark.ops, pytest.mark.kafka]

SCREENSHOT = Path(__file__).resolve().parents[3] / "docs" / "ops" / "status-page.png"


def chromium(*args: str, timeout: float = 90.0) -> str:
    """Run headless Chromium once; its stdout. Its whole process group is stopped by the
    group id of the process started here if it overruns."""
    binary = shutil.which("chromium")
    assert binary, "chromium is missing: scripts/bootstrap installs Debian's chromium"
    command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    process = subprocess.Popen(
        [*command, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    assert process.returncode == 0
    return out


class Cells(HTMLParser):
    """Each table row of the rendered page, by table id, as its cells' text."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, list[list[str]]] = {}
        self.table: str | None = None
        self.cell: list[str] | None = None
        self.texts: dict[str, str] = {}
        self.current_id: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table":
            self.table = found.get("id")
            self.rows[self.table or ""] = []
        elif tag == "tr" and self.table is not None:
            self.rows[self.table].append([])
        elif tag == "td":
            self.cell = []
        if found.get("id"):
            self.current_id = found["id"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self.cell is not None and self.table is not None:
            self.rows[self.table][-1].append("".join(self.cell).strip())
            self.cell = None
        elif tag == "table":
            self.table = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)
        if self.current_id:
            self.texts[self.current_id] = self.texts.get(self.current_id, "") + data


def test_the_status_page_shows_live_numbers_in_a_real_browser(flow: Flow, tmp_path: Path) -> None:
    flow.write(5)  # something moving
    assert httpx.get(f"{flow.monitor.url}/healthz", timeout=10).status_code == 200

    page = Cells()
    page.feed(chromium("--dump-dom", f"{flow.monitor.url}/"))

    [source] = [row for row in page.rows["sources"] if row and row[0] == SOURCE]
    _, database, slot, active, retained, unconfirmed, heartbeat, probe, status = source
    assert database.startswith("ops_src_") and slot == flow.slot
    assert active == "yes"
    assert re.fullmatch(r"[\d,]+ B", retained) and int(retained[:-2].replace(",", "")) > 0
    assert re.fullmatch(r"[\d,]+ B", unconfirmed)
    assert re.fullmatch(r"\d+ ms|\d+\.\d s", heartbeat), heartbeat
    assert re.fullmatch(r"\d+ ms|\d+\.\d s", probe), probe
    assert status == "ok"
    groups = {row[0]: row for row in page.rows["groups"] if row}
    assert {"ops_users", "ops_poison"} <= set(groups)
    assert "verdict" in page.texts
    assert "<polyline" in httpx.get(f"{flow.monitor.url}/", timeout=10).text  # the chart

    shot = tmp_path / "status-page.png"
    chromium(f"--screenshot={shot}", "--window-size=1280,860", f"{flow.monitor.url}/")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000
    if os.environ.get("POSTROOM_UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(shot, SCREENSHOT)
