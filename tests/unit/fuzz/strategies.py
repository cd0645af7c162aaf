"""Hypothesis strategies for what travels: envelopes, payloads, hostile text and bytes.

Text is drawn from all of Unicode (astral planes, combining marks, right-to-left
scripts, control characters) except what the envelope refuses by design: the NUL
character and lone surrogates, which PostgreSQL can not store.
"""

from __future__ import annotations

import string
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from postroom.outbox import Event

#: Every code point but NUL and the surrogates (categories Cs), astral planes included.
travelling_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
)

#: Text a person may well type in a field: scripts that test encoders.
HOSTILE_SAMPLES = [
    "e\u0301\u0301\u0301",  # combining acute accents stacked
    "\u05e9\u05dc\u05d5\u05dd \u202eevil\u202c",  # Hebrew, then a right-to-left override
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # family emoji: astral + zero-width joiners
    "\U00020000\U0002a6d6",  # CJK extension B (astral)
    "'; DROP TABLE outbox; --",
    "\\u0000 is not a NUL",
    "\x01\x07\x1b[31m\r\n\t",  # control characters, an ANSI escape
    "\ufeff\ufffe\uffff",  # BOM, non-characters
    "a" * 1024,
]

field_text = st.one_of(
    st.sampled_from(HOSTILE_SAMPLES), travelling_text.filter(lambda t: t.strip())
).map(lambda t: t[:1024])

aggregate_types = st.text(
    alphabet=string.ascii_letters + string.digits + "._-", min_size=1, max_size=200
)

json_numbers = st.one_of(
    st.integers(min_value=-(10**300), max_value=10**300),
    st.floats(allow_nan=False, allow_infinity=False),
)

json_scalars = st.one_of(st.none(), st.booleans(), json_numbers, travelling_text)


def json_values(max_leaves: int = 20) -> st.SearchStrategy[Any]:
    return st.recursive(
        json_scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=5),
            st.dictionaries(travelling_text, children, max_size=5),
        ),
        max_leaves=max_leaves,
    )


payloads = st.one_of(
    st.none(),
    st.dictionaries(travelling_text, json_values(), max_size=6),
    st.lists(json_values(), max_size=6),
)

timestamps = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(9998, 12, 31), timezones=st.just(UTC)
) | st.datetimes(
    min_value=datetime(1970, 1, 2),
    max_value=datetime(9998, 12, 31),
    timezones=st.builds(
        lambda minutes: timezone(timedelta(minutes=minutes)),
        st.integers(min_value=-23 * 60, max_value=23 * 60),
    ),
)

traceparents = st.builds(
    lambda trace, span, flags: f"00-{trace:032x}-{span:016x}-{flags:02x}",
    st.integers(min_value=1, max_value=2**128 - 1),
    st.integers(min_value=1, max_value=2**64 - 1),
    st.integers(min_value=0, max_value=255),
)

optional_text = st.none() | field_text


@st.composite
def events(draw: st.DrawFn) -> Event:
    return Event(
        aggregate_type=draw(aggregate_types),
        aggregate_id=draw(field_text),
        type=draw(field_text),
        payload=draw(payloads),
        id=draw(st.uuids() | st.just(uuid.uuid4())),
        timestamp=draw(timestamps),
        schema_version=draw(st.integers(min_value=1, max_value=999_999_999)),
        traceparent=draw(st.none() | traceparents),
        correlation_id=draw(optional_text),
        causation_id=draw(optional_text),
        subject_id=draw(optional_text),
        tenant=draw(optional_text),
    )
