"""Every URL form a user has becomes the one driver Postroom uses, or a clear refusal."""

from __future__ import annotations

import importlib.util
from pathlib import Path

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


def test_async_engine_args_turn_libpq_tls_settings_into_asyncpgs_ssl(tmp_path: Path) -> None:
    import ssl

    from postroom.database_url import async_engine_args
    from postroom.devstack import LocalCertificates

    ca = LocalCertificates.create(tmp_path).ca_file
    url, args = async_engine_args(f"postgresql://u@h/db?sslmode=verify-full&sslrootcert={ca}")
    assert url == "postgresql+asyncpg://u@h/db"
    assert isinstance(args["ssl"], ssl.SSLContext) and args["ssl"].check_hostname
    _, ca_only = async_engine_args(f"postgresql://u@h/db?sslmode=verify-ca&sslrootcert={ca}")
    assert not ca_only["ssl"].check_hostname
    assert ca_only["ssl"].verify_mode == ssl.CERT_REQUIRED
    assert async_engine_args("postgresql://u@h/db") == ("postgresql+asyncpg://u@h/db", {})
    assert async_engine_args("postgresql://u@h/db?sslmode=prefer")[1] == {"ssl": "prefer"}
