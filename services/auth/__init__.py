"""auth: registration. Writes the credential and a ``UserRegistered`` event atomically."""

from services.auth._app import create_app
from services.auth._tables import create_tables, credential

__all__ = ["create_app", "create_tables", "credential"]
