"""PNG plots of one run (matplotlib, headless): latency distributions and drain timelines.

Written next to the JSON as ``<stem>-latency.png``, ``<stem>-drain.png`` and
``<stem>-rss.png`` from ``Results.series``; a series the run did not measure is left out.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks._harness import Results

__all__ = ["plot"]

BEST = "LISTEN/NOTIFY, 2 workers, batch 500"


def _cdf(values: list[float]) -> tuple[list[float], list[float]]:
    ordered = sorted(values)
    n = len(ordered)
    return ordered, [(i + 1) / n * 100 for i in range(n)]


def plot(results: Results, directory: Path) -> list[Path]:
    """Draw what the run measured; returns the files written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    series = results.series
    stem = results.stem()

    rates = ("100/s", "1,000/s")
    fig, axes = plt.subplots(1, len(rates), figsize=(11, 4), squeeze=False)
    drawn = False
    for ax, rate in zip(axes[0], rates, strict=True):
        for label, key in (
            ("Postroom relay", f"2 relay/{rate}/latency"),
            ("best poller (LISTEN/NOTIFY)", f"3 polling/{BEST}, {rate}/latency"),
        ):
            values = series.get(key)
            if values:
                xs, ys = _cdf(values)
                ax.plot(xs, ys, label=f"{label} (n={len(values):,})")
                drawn = True
        ax.set_xscale("log")
        ax.set_xlabel("commit → consume latency (ms, log scale)")
        ax.set_ylabel("percent of events ≤ x")
        ax.set_title(f"latency at {rate}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
    if drawn:
        fig.tight_layout()
        path = directory / f"{stem}-latency.png"
        fig.savefig(path, dpi=90)
        written.append(path)
    plt.close(fig)

    drains = {k: v for k, v in series.items() if k.startswith("drain/")}
    if drains:
        fig, ax = plt.subplots(figsize=(7, 4))
        for key, points in sorted(drains.items()):
            if points:
                ax.plot([p[0] for p in points], [p[1] for p in points], label=key[len("drain/") :])
        ax.set_xlabel("seconds since the first event arrived")
        ax.set_ylabel("events arrived")
        ax.set_title("draining the same backlog")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        path = directory / f"{stem}-drain.png"
        fig.savefig(path, dpi=90)
        written.append(path)
        plt.close(fig)

    rss = series.get("rss/soak")
    if rss:
        fig, ax = plt.subplots(figsize=(7, 3.5))
        ax.plot([p[0] for p in rss], [p[1] for p in rss])
        ax.set_xlabel("seconds into the soak at 1,000 events/s")
        ax.set_ylabel("relay RSS (MiB)")
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        fig.tight_layout()
        path = directory / f"{stem}-rss.png"
        fig.savefig(path, dpi=90)
        written.append(path)
        plt.close(fig)
    return written
