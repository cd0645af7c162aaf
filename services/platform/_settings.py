"""``ServiceSettings``: what every reference service is started with."""

from __future__ import annotations

from dataclasses import dataclass

from postroom.services.platform._tokens import TokenVerifier

__all__ = ["ServiceSettings"]


@dataclass(frozen=True, slots=True)
class ServiceSettings:
    """A service's database (its own role's URL, asyncpg) and how it checks tokens.

    ``audience`` is the service's name as tokens name it (``aud``); ``public_key`` is
    auth's public key (PEM): enough to verify, useless for minting.
    """

    database_url: str
    public_key: str
    audience: str

    def verifier(self) -> TokenVerifier:
        return TokenVerifier(self.public_key, audience=self.audience)
