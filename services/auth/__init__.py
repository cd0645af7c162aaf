"""auth: registration. Writes the credential and a ``UserRegistered`` event atomically."""

from postroom.services.auth._app import create_app
from postroom.services.auth._tables import create_tables, credential

__all__ = ["create_app", "create_tables", "credential"]
