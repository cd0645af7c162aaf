"""Throwaway TLS certificates for the local servers: a CA and one server certificate.

Made with ``cryptography`` for tests and local runs only: a self-signed CA (a day's
validity) and a server certificate it signs for ``localhost`` and ``127.0.0.1``, written
as PEM files (the key unencrypted, PKCS#8, which both Kafka's PEM key store and
PostgreSQL read). Never used in production: operators bring their own certificates.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["LocalCertificates"]


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@dataclass(frozen=True)
class LocalCertificates:
    """PEM files in ``directory``: ``ca.pem`` (trust this), ``server.pem`` + ``server.key``
    (the server's chain and key) and ``server-bundle.pem`` (key then chain, one file)."""

    directory: Path

    @property
    def ca_file(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def cert_file(self) -> Path:
        return self.directory / "server.pem"

    @property
    def key_file(self) -> Path:
        return self.directory / "server.key"

    @property
    def bundle_file(self) -> Path:
        return self.directory / "server-bundle.pem"

    @classmethod
    def create(
        cls,
        directory: Path,
        *,
        hosts: tuple[str, ...] = ("localhost", "127.0.0.1"),
        ca_name: str = "Postroom local CA",
    ) -> LocalCertificates:
        """A new CA and a server certificate for ``hosts`` (names or IP addresses)."""
        directory.mkdir(parents=True, exist_ok=True)
        now = datetime.now(UTC) - timedelta(minutes=5)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca = (
            x509.CertificateBuilder()
            .subject_name(_name(ca_name))
            .issuer_name(_name(ca_name))
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(ca_key, hashes.SHA256())
        )
        names: list[x509.GeneralName] = []
        for host in hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        server_key = ec.generate_private_key(ec.SECP256R1())
        server = (
            x509.CertificateBuilder()
            .subject_name(_name(hosts[0]))
            .issuer_name(ca.subject)
            .public_key(server_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
                ),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        certificates = cls(directory)
        ca_pem = ca.public_bytes(serialization.Encoding.PEM)
        chain = server.public_bytes(serialization.Encoding.PEM) + ca_pem
        certificates.ca_file.write_bytes(ca_pem)
        certificates.cert_file.write_bytes(chain)
        certificates.key_file.write_bytes(_key_pem(server_key))
        certificates.key_file.chmod(0o600)
        certificates.bundle_file.write_bytes(_key_pem(server_key) + chain)
        certificates.bundle_file.chmod(0o600)
        return certificates
