"""users: builds a profile from every ``UserRegistered`` event, through its inbox."""

from postroom.services.users._app import create_app
from postroom.services.users._handlers import registry
from postroom.services.users._tables import create_tables, profile

__all__ = ["create_app", "create_tables", "profile", "registry"]
