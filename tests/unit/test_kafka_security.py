"""``KafkaSecurity``: one settings object, rendered for kafka-python and for Kafka's Java
clients; validated when made; read from ``POSTROOM_KAFKA_*``; the CLI's flags win."""

from __future__ import annotations

from pathlib import Path

import pytest

from postroom.cli import main
from postroom.errors import ConfigurationError
from postroom.kafka_security import KAFKA_SECURITY_ENV, KafkaSecurity

pytestmark = pytest.mark.security


@pytest.fixture
def ca(tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\n")
    return str(path)


@pytest.fixture(autouse=True)
def _no_kafka_security_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # setenv first, so that what the CLI exports during a test is removed afterwards.
    for variable in KAFKA_SECURITY_ENV.values():
        monkeypatch.setenv(variable, "")
        monkeypatch.delenv(variable)


def test_plaintext_is_the_default_and_adds_nothing_but_the_protocol() -> None:
    assert KafkaSecurity().kafka_python() == {"security_protocol": "PLAINTEXT"}
    assert KafkaSecurity().java_properties() == {"security.protocol": "PLAINTEXT"}
    assert KafkaSecurity.from_env({}) == KafkaSecurity()


def test_sasl_ssl_renders_for_both_clients(ca: str) -> None:
    security = KafkaSecurity(
        protocol="SASL_SSL", ssl_cafile=ca, sasl_username="relay", sasl_password='p"w\\d'
    )
    assert security.kafka_python() == {
        "security_protocol": "SASL_SSL",
        "ssl_cafile": ca,
        "ssl_check_hostname": True,
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "relay",
        "sasl_plain_password": 'p"w\\d',
    }
    java = security.java_properties()
    assert java["ssl.truststore.type"] == "PEM" and java["ssl.truststore.location"] == ca
    assert java["ssl.endpoint.identification.algorithm"] == "https"
    assert java["sasl.jaas.config"] == (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        'username="relay" password="p\\"w\\\\d";'
    )


def test_the_password_never_shows_in_repr(ca: str) -> None:
    security = KafkaSecurity(protocol="SASL_SSL", sasl_username="u", sasl_password="s3cret-pw")
    assert "s3cret-pw" not in repr(security)


@pytest.mark.parametrize(
    ("settings", "why"),
    [
        ({"protocol": "TLS"}, "protocol must be one of"),
        ({"protocol": "SASL_SSL", "sasl_username": "u"}, "needs a SASL username and password"),
        ({"protocol": "SASL_PLAINTEXT", "sasl_mechanism": "GSSAPI", "sasl_username": "u",
          "sasl_password": "p"}, "mechanism must be one of"),
        ({"protocol": "SSL", "ssl_cafile": "/nowhere/ca.pem"}, "does not exist"),
    ],
    ids=["protocol", "no-password", "mechanism", "missing-ca"],
)  # fmt: skip
def test_bad_settings_are_refused_naming_the_setting(settings: dict[str, str], why: str) -> None:
    with pytest.raises(ConfigurationError, match=why):
        KafkaSecurity(**settings)  # type: ignore[arg-type]


def test_the_environment_gives_the_settings(ca: str) -> None:
    env = {
        KAFKA_SECURITY_ENV["protocol"]: "sasl_ssl",
        KAFKA_SECURITY_ENV["ssl_cafile"]: ca,
        KAFKA_SECURITY_ENV["ssl_check_hostname"]: "false",
        KAFKA_SECURITY_ENV["sasl_mechanism"]: "scram-sha-256",
        KAFKA_SECURITY_ENV["sasl_username"]: "inbox",
        KAFKA_SECURITY_ENV["sasl_password"]: "pw",
    }
    assert KafkaSecurity.from_env(env) == KafkaSecurity(
        protocol="SASL_SSL",
        ssl_cafile=ca,
        ssl_check_hostname=False,
        sasl_mechanism="SCRAM-SHA-256",
        sasl_username="inbox",
        sasl_password="pw",
    )


def test_a_cli_flag_without_the_password_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(
        ["dlq", "list", "--bootstrap-servers", "127.0.0.1:9",
         "--kafka-security-protocol", "SASL_SSL", "--kafka-sasl-username", "ops"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "POSTROOM_KAFKA_SASL_PASSWORD" in err
