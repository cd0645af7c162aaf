"""Start-up time and resident memory of the local brokers and Kafka Connect workers.

    .venv/bin/python -m benchmarks.stack_startup [--rounds 2] [--json]

Starts, one after the other, Tansu, Apache Kafka with one KRaft node, Apache Kafka with
three nodes, and two Kafka Connect workers (distributed mode, on the one-node Kafka);
prints how long each took to be usable and each process's RSS once up. Start-up time is
CPU-bound on two cores: note the load average printed with it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from typing import Any

from postroom.devstack import ConnectCluster, EmbeddedBroker, KafkaCluster, rss_bytes

MIB = 2**20


def _one_round() -> dict[str, Any]:
    row: dict[str, Any] = {}
    began = time.monotonic()
    tansu = EmbeddedBroker().start()
    row["tansu_start_s"] = time.monotonic() - began
    assert tansu.pid is not None
    row["tansu_rss_mib"] = rss_bytes(tansu.pid) / MIB
    tansu.stop()
    with KafkaCluster(1) as kafka:
        row["kafka1_start_s"] = kafka.startup_seconds
        row["kafka1_rss_mib"] = [r / MIB for r in kafka.rss_bytes().values()]
        with ConnectCluster(kafka.bootstrap_servers, workers=2) as connect:
            row["connect2_start_s"] = connect.startup_seconds
            row["connect_worker_start_s"] = [w.startup_seconds for w in connect.workers]
            row["connect_worker_rss_mib"] = [r / MIB for r in connect.rss_bytes().values()]
            row["kafka1_rss_with_connect_mib"] = [r / MIB for r in kafka.rss_bytes().values()]
    with KafkaCluster(3) as kafka3:
        row["kafka3_start_s"] = kafka3.startup_seconds
        row["kafka3_rss_mib"] = [r / MIB for r in kafka3.rss_bytes().values()]
    row["load_average_1m"] = os.getloadavg()[0]
    return row


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = [_one_round() for _ in range(args.rounds)]
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    for key in rows[0]:
        values = [row[key] for row in rows]
        if isinstance(values[0], list):
            shown = " | ".join(", ".join(f"{v:.1f}" for v in value) for value in values)
        else:
            shown = (
                f"median {statistics.median(values):.2f} ({', '.join(f'{v:.2f}' for v in values)})"
            )
        print(f"{key:32} {shown}")


if __name__ == "__main__":
    main()
