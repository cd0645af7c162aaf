"""Every URL form a user has becomes the one driver Postroom uses, or a clear refusal."""

from __future__ import annotations

import importlib.util

import pytest

from postroom.database_url import ACCEPTED_FORMS, async_url, describe, sync_url
from postroom.errors import ConfigurationError, DatabaseUrlError

TAIL = "u:p%40ss@db.example:6543/orders?application_name=x"


@pytest.mark.parametrize("form", [*ACCEPTED_FORMS, "postgresql+psycopg_async://"])
def test_every_accepted_form_normalises_to_psycopg_and_to_asyncpg(form: str) -> None:
    assert sync_url(form + TAIL) == "postgresql+psycopg://" + TAIL
    assert async_url(form + TAIL) == "postgresql+asyncpg://" + TAIL


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "a database URL must be a non-empty string"),
        ("localhost:5432/db", "not a database URL"),
        ("mysql://h/db", "mysql:// is not a PostgreSQL URL Postroom can use; give one of "),
        ("postgresql+pg8000://h/db", "postgresql+pg8000:// is not a PostgreSQL URL"),
        ("postgresql://h:5432", "names no database: add /DATABASE after the host"),
    ],
)
def test_a_url_postroom_can_not_use_is_refused_with_the_forms_it_can(
    url: str, message: str
) -> None:
    with pytest.raises(DatabaseUrlError) as caught:
        sync_url(url)
    assert message in str(caught.value)
    assert isinstance(caught.value, ConfigurationError)


def test_a_missing_driver_is_named_with_the_package_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "asyncpg" else real(name)
    )
    with pytest.raises(DatabaseUrlError) as caught:
        async_url("postgresql://h/db")
    assert str(caught.value) == (
        "postgresql+asyncpg:// needs the asyncpg driver, which is not installed: "
        "pip install 'asyncpg'"
    )


def test_messages_describe_a_database_without_its_password() -> None:
    assert describe("postgresql+asyncpg://u:secret@h:1/db") == "h:1/db"
    assert describe("postgresql:///db") == "localhost:5432/db"
