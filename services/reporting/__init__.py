"""reporting: cold data. Every service's events land in a DuckDB file kept apart from the
services' databases (``ColdStore``), exported as date-partitioned Parquet; reports
(registrations per day, watch time per title) are computed there, never against a
service's database."""

from postroom.services.reporting._app import create_app
from postroom.services.reporting._consumer import ReportingConsumer
from postroom.services.reporting._privacy import ReportingPrivacy
from postroom.services.reporting._store import ColdStore

__all__ = ["ColdStore", "ReportingConsumer", "ReportingPrivacy", "create_app"]
