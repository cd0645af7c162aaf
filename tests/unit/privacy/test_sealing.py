"""Personal fields sealed per subject open only with that subject's key, for that field."""

from __future__ import annotations

import pytest

from postroom.errors import ConfigurationError, SealedValueError
from postroom.privacy import (
    SEALED_PREFIX,
    is_sealed,
    new_data_key,
    open_fields,
    open_value,
    seal_fields,
    seal_value,
)

KEY = new_data_key()

pytestmark = pytest.mark.privacy


def test_a_sealed_value_opens_with_its_key_subject_and_field() -> None:
    sealed = seal_value("Ada Lovelace", KEY, subject="user-1", field="display_name")
    assert sealed.startswith(SEALED_PREFIX) and "Ada" not in sealed
    assert open_value(sealed, KEY, subject="user-1", field="display_name") == "Ada Lovelace"


def test_sealing_twice_gives_different_text_each_time() -> None:
    first = seal_value("ada@example.org", KEY, subject="u", field="email")
    assert first != seal_value("ada@example.org", KEY, subject="u", field="email")


@pytest.mark.parametrize(
    ("key", "subject", "field"),
    [
        (new_data_key(), "user-1", "display_name"),  # another subject's key (or a new one)
        (KEY, "user-2", "display_name"),  # replayed as another user's
        (KEY, "user-1", "email"),  # replayed as another field
    ],
)
def test_a_sealed_value_does_not_open_anywhere_else(key: bytes, subject: str, field: str) -> None:
    sealed = seal_value("Ada", KEY, subject="user-1", field="display_name")
    with pytest.raises(SealedValueError, match="does not open"):
        open_value(sealed, key, subject=subject, field=field)


def test_a_tampered_sealed_value_fails_authentication() -> None:
    sealed = seal_value("Ada", KEY, subject="user-1", field="name")
    body = sealed[len(SEALED_PREFIX) :]
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(SealedValueError):
        open_value(SEALED_PREFIX + flipped, KEY, subject="user-1", field="name")


@pytest.mark.parametrize("text", ["Ada", "pr1.", "pr1.!!!!", "pr1.AAAA"])
def test_text_that_is_not_a_whole_sealed_value_is_refused(text: str) -> None:
    with pytest.raises(SealedValueError):
        open_value(text, KEY, subject="u", field="f")


def test_fields_are_sealed_and_opened_in_a_payload_copy() -> None:
    payload = {"user_id": "u-1", "email": "ada@example.org", "display_name": "Ada", "note": None}
    sealed = seal_fields(payload, ["email", "display_name", "note"], KEY, subject="u-1")
    assert sealed["user_id"] == "u-1" and sealed["note"] is None
    assert is_sealed(sealed["email"]) and is_sealed(sealed["display_name"])
    assert payload["email"] == "ada@example.org"  # the original is untouched
    assert seal_fields(sealed, ["email"], KEY, subject="u-1") == sealed  # not sealed twice
    assert open_fields(sealed, ["email", "display_name"], KEY, subject="u-1") == payload


@pytest.mark.parametrize(("key", "subject"), [(b"short", "u"), (KEY, ""), (KEY, None)])
def test_bad_keys_and_subjects_are_refused(key: bytes, subject: object) -> None:
    with pytest.raises(ConfigurationError):
        seal_value("x", key, subject=subject, field="f")  # type: ignore[arg-type]
