"""users: builds a profile from every ``UserRegistered`` event, through its inbox."""

from services.users._app import create_app
from services.users._handlers import registry
from services.users._tables import create_tables, profile

__all__ = ["create_app", "create_tables", "profile", "registry"]
