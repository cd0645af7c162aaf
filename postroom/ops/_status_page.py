"""The status page: the same picture as ``postroom lag``, as one read-only HTML page.

Served by FastAPI from the monitor's latest report; the page is rendered on the server
(tables and an inline SVG chart of the probe latency over the last rounds), refreshes
itself every few seconds and needs no JavaScript or front-end build. Routes:

- ``/``: the page; ``/api/lag``: the report as JSON (``postroom lag --json``'s shape);
- ``/healthz``: 200 while the monitor measures on schedule, 503 when its newest report
  is stale (for load balancers; the flows' own health is the page, the metrics, alerts);
- ``/metrics``: Prometheus, when a registry is given.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from postroom.ops._monitor import LagMonitor, LatencySample
from postroom.ops._report import GroupReport, LagReport, SourceReport
from postroom.ops._thresholds import Thresholds

__all__ = ["status_page"]

_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d2733; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 8px; }
table { border-collapse: collapse; } td, th { padding: 4px 10px; text-align: left; }
th { background: #eef1f5; } tr + tr td { border-top: 1px solid #e3e7ec; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.ok { color: #137333; } .bad { color: #b3261e; font-weight: 600; }
.banner { padding: 8px 12px; border-radius: 6px; display: inline-block; }
.banner.ok { background: #e6f4ea; } .banner.bad { background: #fce8e6; }
.muted { color: #6b7785; }
"""


def _fmt_s(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s" if value >= 1 else f"{value * 1000:.0f} ms"


def _source_row(source: SourceReport, limits: Thresholds) -> str:
    slot = source.slot
    state = '<span class="ok">ok</span>'
    if source.problems(limits):
        state = '<span class="bad">stuck</span>'
    cells = [
        f"<td>{html.escape(source.name)}</td>",
        f"<td>{html.escape(source.database)}</td>",
        f"<td>{html.escape(source.slot_name)}</td>",
        f"<td>{'—' if slot is None else 'yes' if slot.active else 'no'}</td>",
        f'<td class="num">{"—" if slot is None else f"{slot.retained_bytes:,} B"}</td>',
        f'<td class="num">{"—" if slot is None else f"{slot.unconsumed_bytes:,} B"}</td>',
        f'<td class="num">{_fmt_s(source.heartbeat_age_s)}</td>',
        f'<td class="num">{_fmt_s(source.probe_latency_s) if source.probed else "off"}</td>',
        f"<td>{state}</td>",
    ]
    return f"<tr>{''.join(cells)}</tr>"


def _group_row(group: GroupReport, limits: Thresholds) -> str:
    lag = group.lag
    parts = ", ".join(f"{p.topic}[{p.partition}]={p.lag}" for p in lag.partitions if p.lag)
    oldest = max((d.oldest_age_s or 0.0 for d in group.dead_letters), default=0.0)
    state = (
        '<span class="bad">stuck</span>' if group.problems(limits) else '<span class="ok">ok</span>'
    )
    cells = [
        f"<td>{html.escape(lag.group)}</td>",
        f"<td>{html.escape(lag.state)}</td>",
        f'<td class="num">{lag.members}</td>',
        f'<td class="num">{lag.lag:,}</td>',
        f"<td>{html.escape(parts) or '—'}</td>",
        f'<td class="num">{group.dead_letter_depth}</td>',
        f'<td class="num">{_fmt_s(oldest) if group.dead_letter_depth else "—"}</td>',
        f"<td>{state}</td>",
    ]
    return f"<tr>{''.join(cells)}</tr>"


_COLOURS = ("#1a73e8", "#e8710a", "#188038", "#a142f4", "#d01884")


def latency_chart(history: list[LatencySample], *, width: int = 640, height: int = 160) -> str:
    """Probe latency per source over the kept rounds, as inline SVG (a red tick: lost)."""
    if not history:
        return '<p class="muted">no probe rounds yet</p>'
    names = sorted({name for _, latencies in history for name in latencies})
    seen = [v for _, lat in history for v in lat.values() if v is not None]
    top = max([*seen, 0.05]) * 1.2
    step = width / max(1, len(history) - 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 60}" height="{height + 36}" '
        f'role="img" aria-label="probe latency">',
        f'<text x="0" y="12" font-size="11">{_fmt_s(top)}</text>',
        f'<text x="0" y="{height}" font-size="11">0</text>',
        f'<line x1="50" y1="{height}" x2="{width + 50}" y2="{height}" stroke="#ccc"/>',
    ]
    first, last = history[0][0], history[-1][0]
    parts.append(
        f'<text x="50" y="{height + 14}" font-size="11">{first:%H:%M:%S}</text>'
        f'<text x="{width + 10}" y="{height + 14}" font-size="11">{last:%H:%M:%S}</text>'
    )
    for index, name in enumerate(names):
        colour = _COLOURS[index % len(_COLOURS)]
        runs: list[list[tuple[float, float]]] = [[]]  # a lost probe breaks the line
        for i, (_, latencies) in enumerate(history):
            x = 50 + i * step
            value = latencies.get(name)
            if value is None:
                parts.append(
                    f'<line x1="{x:.1f}" y1="{height - 12}" x2="{x:.1f}" y2="{height}" '
                    'stroke="#b3261e" stroke-width="2"/>'
                )
                runs.append([])
                continue
            runs[-1].append((x, height - value / top * (height - 16)))
        for run in runs:
            if len(run) == 1:
                x, y = run[0]
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="{colour}"/>')
            elif run:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                parts.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'
                )
        parts.append(
            f'<text x="{60 + index * 120}" y="{height + 28}" font-size="12" '
            f'fill="{colour}">{html.escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def render_page(
    report: LagReport | None, history: list[LatencySample], limits: Thresholds, *, refresh_s: int
) -> str:
    """The whole page for ``report`` (``None``: not measured yet)."""
    head = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="{refresh_s}">'
        f"<title>Postroom flows</title><style>{_STYLE}</style></head><body>"
    )
    if report is None:
        return head + "<h1>Postroom flows</h1><p>measuring…</p></body></html>"
    problems = report.problems(limits)
    banner = (
        f'<p id="verdict" class="banner bad">{len(problems)} problem(s)</p><ul id="problems">'
        + "".join(f"<li>{html.escape(p)}</li>" for p in problems)
        + "</ul>"
        if problems
        else '<p id="verdict" class="banner ok">every flow is moving</p>'
    )
    taken = report.taken_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    sources = "".join(_source_row(s, limits) for s in report.sources)
    groups = "".join(_group_row(g, limits) for g in report.groups)
    return (
        head
        + f'<h1>Postroom flows</h1><p class="muted">measured {taken}</p>{banner}'
        + "<h2>Relays: source database → Kafka</h2>"
        + '<table id="sources"><tr><th>relay</th><th>database</th><th>slot</th><th>active</th>'
        + "<th>retained WAL</th><th>unconfirmed WAL</th><th>heartbeat age</th>"
        + f"<th>probe latency</th><th>status</th></tr>{sources}</table>"
        + "<h2>Consumers: Kafka → service</h2>"
        + '<table id="groups"><tr><th>group</th><th>state</th><th>members</th><th>lag</th>'
        + "<th>lagging partitions</th><th>dead letters</th><th>oldest dead letter</th>"
        + f"<th>status</th></tr>{groups}</table>"
        + "<h2>Probe latency, commit to read (last rounds)</h2>"
        + latency_chart(history)
        + "</body></html>"
    )


def status_page(
    monitor: LagMonitor,
    *,
    thresholds: Thresholds | None = None,
    registry: CollectorRegistry | None = None,
    interval_s: float = 10.0,
) -> FastAPI:
    """A FastAPI app showing ``monitor``'s latest report (``monitor.run`` feeds it)."""
    limits = thresholds or Thresholds()
    app = FastAPI(title="Postroom flows", docs_url=None, redoc_url=None, openapi_url=None)
    refresh = max(2, round(interval_s))

    @app.get("/", response_class=HTMLResponse)
    def page() -> str:
        return render_page(monitor.latest, list(monitor.history), limits, refresh_s=refresh)

    @app.get("/api/lag")
    def report() -> JSONResponse:
        latest = monitor.latest
        body: dict[str, Any] = {} if latest is None else latest.as_dict()
        if latest is not None:
            body["problems"] = latest.problems(limits)
        return JSONResponse(body)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        latest = monitor.latest
        if latest is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        age = (datetime.now(UTC) - latest.taken_at).total_seconds()
        stale = age > 3 * interval_s + monitor.probe_timeout_s
        return JSONResponse(
            {"status": "stale" if stale else "ok", "measured_s_ago": round(age, 1)},
            status_code=503 if stale else 200,
        )

    if registry is not None:
        scraped = registry

        @app.get("/metrics")
        def metrics() -> Response:
            return Response(generate_latest(scraped), media_type=CONTENT_TYPE_LATEST)

    return app
