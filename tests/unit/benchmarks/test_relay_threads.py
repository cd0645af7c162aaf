"""The drain profiler reads CPU per thread and per server process from /proc and reports
what ran during the drain, per event, the busiest first."""

from __future__ import annotations

import threading
import time

import pytest

from benchmarks.relay_threads import by_kind, report, threads_cpu


def test_a_busy_thread_of_this_process_shows_its_cpu() -> None:
    done = threading.Event()

    def spin() -> None:
        while not done.is_set():
            pass

    before = threads_cpu()
    busy = threading.Thread(target=spin)
    busy.start()
    try:
        deadline = time.monotonic() + 10
        used = 0.0
        while used < 0.1 and time.monotonic() < deadline:
            time.sleep(0.05)
            after = threads_cpu()
            used = sum(after[key] - before.get(key, 0.0) for key in after)
    finally:
        done.set()
        busy.join(10)
    assert used >= 0.1


def test_processes_are_summed_per_kind() -> None:
    used = {"postgres:10": 1.0, "postgres:11": 0.5, "broker:12": 2.0}
    assert by_kind(used) == {"postgres": 1.5, "broker": 2.0}


def test_only_what_ran_in_both_snapshots_is_reported_busiest_first(
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = {"a:1": 1.0, "b:2": 1.0, "gone:3": 5.0}
    after = {"a:1": 1.01, "b:2": 1.03, "new:4": 9.0}
    report(1000, before, after, top=5, group=False)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["b:2", "a:1"]
    assert lines[0].split()[1] == "30.0"
