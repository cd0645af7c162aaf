"""``AuthSettings``: auth's database, its signing key, its service clients."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from argon2 import PasswordHasher

__all__ = ["SERVICES", "AuthSettings", "ServiceClient"]

#: Every service's audience name: a user's token is for all of them by default.
SERVICES = ("activity", "auth", "authz", "privacy", "reporting", "users", "watch-history")


@dataclass(frozen=True, slots=True)
class ServiceClient:
    """A service allowed to get tokens of its own (client-credentials)."""

    secret_hash: str
    permissions: frozenset[str]


@dataclass(frozen=True)
class AuthSettings:
    database_url: str
    private_key: str
    public_key: str
    service_clients: Mapping[str, ServiceClient] = field(default_factory=dict)
    token_ttl: timedelta = timedelta(minutes=5)
    hasher: PasswordHasher = field(default_factory=PasswordHasher)
