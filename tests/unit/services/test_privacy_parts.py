"""privacy's parts that need no database: the signed hash chain of completion records
and the offline erasure log (both detect an edited entry), the circuit breaker, the
partner call retried against a real HTTP server on 127.0.0.1, and the export archive."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from postroom.services.platform import SigningKey
from postroom.services.privacy import (
    GENESIS_HASH,
    CircuitBreaker,
    PartnerEraser,
    PartnerStub,
    RetryPolicy,
    build_archive,
    make_entry,
    read_archive,
    verify_chain,
    verify_erasure_log,
)

pytestmark = pytest.mark.privacy

KEY = SigningKey.generate()


def chain(n: int = 3) -> list[dict[str, Any]]:
    entries, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        body = {
            "request_id": f"r{seq}",
            "subject": f"hmac-sha256:{seq:064x}",
            "services": {"users": {"deleted": {"profile": 1}}},
        }
        entry = make_entry(seq, prev, f"r{seq}", body, KEY.private_pem)
        entries.append(entry)
        prev = entry["hash"]
    return entries


def test_an_intact_chain_verifies() -> None:
    assert verify_chain(chain(), KEY.public_pem) == []


def test_editing_one_record_is_detected_naming_it() -> None:
    entries = chain()
    entries[1]["body"]["services"]["users"]["deleted"]["profile"] = 0
    assert verify_chain(entries, KEY.public_pem) == [
        "record 2: its body does not match its hash (edited)"
    ]


def test_recomputing_the_hashes_after_an_edit_breaks_the_signatures() -> None:
    entries = chain()
    from postroom.services.privacy import chain_hash

    entries[1]["body"]["subject"] = "hmac-sha256:" + "f" * 64
    entries[1]["hash"] = chain_hash(entries[1]["prev_hash"], entries[1]["body"])
    entries[2]["prev_hash"] = entries[1]["hash"]
    entries[2]["hash"] = chain_hash(entries[2]["prev_hash"], entries[2]["body"])
    problems = verify_chain(entries, KEY.public_pem)
    assert "record 2: the signature does not match (forged)" in problems
    assert "record 3: the signature does not match (forged)" in problems


def test_a_removed_record_or_another_key_is_detected() -> None:
    entries = chain()
    assert verify_chain([entries[0], entries[2]], KEY.public_pem)[:2] == [
        "record 3: expected record 2 (missing or moved)",
        "record 3: does not follow the previous record's hash",
    ]
    assert len(verify_chain(entries, SigningKey.generate().public_pem)) == 3


def test_the_erasure_log_detects_an_edited_line(tmp_path: Path) -> None:
    log = tmp_path / "erasure-log.jsonl"
    log.write_text("".join(json.dumps(e) + "\n" for e in chain()))
    assert verify_erasure_log(log, KEY.public_pem) == []
    lines = log.read_text().splitlines()
    edited = json.loads(lines[0])
    edited["body"]["services"]["users"]["deleted"]["profile"] = 7
    log.write_text("\n".join([json.dumps(edited), *lines[1:]]) + "\n")
    assert verify_erasure_log(log, KEY.public_pem) == [
        "record 1: its body does not match its hash (edited)"
    ]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_breaker_opens_after_failures_and_tries_again_after_its_cooldown() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=2, cooldown=10, clock=clock)
    breaker.failed()
    assert breaker.state == "closed"
    breaker.failed()
    assert (breaker.state, breaker.allows()) == ("open", False)
    clock.now = 10
    assert (breaker.state, breaker.allows()) == ("half-open", True)
    breaker.failed()  # the trial failed: open again at once
    assert breaker.state == "open"
    clock.now = 20
    breaker.succeeded()
    assert breaker.state == "closed"
    assert breaker.opened == 2


async def test_the_partner_call_is_retried_with_backoff_until_the_partner_answers() -> None:
    with PartnerStub(fail_first=3) as partner:
        eraser = PartnerEraser(
            None,  # type: ignore[arg-type]  # no database: only the HTTP part is used
            partner.url,
            retry=RetryPolicy(attempts=5, backoff=0.01),
            breaker=CircuitBreaker(threshold=10, cooldown=1),
        )
        async with httpx.AsyncClient(timeout=5) as client:
            answer = await eraser.erase_at_partner(client, "r1", "u1")
        assert answer == {"erased": 1}
        assert partner.calls["r1"] == 4
        assert partner.erased == {"r1"}
        assert (eraser.calls, eraser.failures) == (4, 3)


async def test_an_open_breaker_stops_calling_the_partner() -> None:
    with PartnerStub(fail_first=100) as partner:
        breaker = CircuitBreaker(threshold=2, cooldown=60)
        eraser = PartnerEraser(
            None,  # type: ignore[arg-type]
            partner.url,
            retry=RetryPolicy(attempts=5, backoff=0.01),
            breaker=breaker,
        )
        async with httpx.AsyncClient(timeout=5) as client:
            assert await eraser.erase_at_partner(client, "r1", "u1") is None
            assert await eraser.erase_at_partner(client, "r2", "u1") is None
        assert breaker.state == "open"
        assert sum(partner.calls.values()) == 2  # nothing after the breaker opened


def test_a_partial_archive_says_what_is_missing() -> None:
    data = build_archive(
        "r1",
        "u1",
        {"auth": {"account": [{"email": "a@example.com"}]}},
        {"auth": "included", "users": "missing"},
        "2026-11-24T00:00:00+00:00",
    )
    files = read_archive(data)
    assert sorted(files) == ["auth.json", "manifest.json"]
    assert files["manifest.json"]["partial"] is True
    assert files["manifest.json"]["missing"] == ["users"]
    assert files["auth.json"] == {"account": [{"email": "a@example.com"}]}
