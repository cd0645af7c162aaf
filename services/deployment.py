"""``Deployment``: every reference service on one machine, each on its own database and
role, wired only through outbox -> Debezium -> Kafka -> inbox. Used by the demo and the
services' integration tests; production runs the same pieces as separate processes.

    deployment = Deployment.provision(admin_url, bootstrap_servers)
    with deployment.running(state_dir) as urls:      # relay, inbox workers, HTTP APIs
        httpx.post(f"{urls['auth']}/register", json=...)

``admin_url`` is a superuser URL: it creates each service's role and database and
migrates Postroom's tables. The relay reads each WAL as a replication role of its own
(``migrations.grant_relay_role``: the outbox, no business table); the services connect
only as their own roles.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from postroom import migrations
from postroom.connectors import ConnectorConfig, Relay, RelaySource, ensure_topics
from postroom.database_url import async_engine_args
from postroom.devstack import free_port
from postroom.inbox import HandlerRegistry, InboxConfig, InboxError, InboxWorker
from postroom.outbox import wire
from postroom.privacy import (
    EventSigning,
    RetentionSchedule,
    SignatureVerifier,
    generate_signing_key,
    signed_outbox_settings,
)
from postroom.services import activity, auth, authz, reporting, users, watch_history
from postroom.services.events import catalog, sign_events_with
from postroom.services.platform import (
    ServiceDatabase,
    ServiceMigrations,
    ServiceSettings,
    SigningKey,
    TokenIssuer,
    provision_database,
    serve,
)

__all__ = ["SERVICES", "Deployment", "ServiceSpec", "all_running"]


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """What the deployment needs to know of one service."""

    name: str
    audience: str
    migrations: ServiceMigrations
    registry: HandlerRegistry | None
    topics: tuple[str, ...]
    publishes: bool
    create_app: Callable[[Any], FastAPI]


@contextmanager
def all_running(workers: list[InboxWorker], *, assigned_within: float = 90.0) -> Iterator[None]:
    """``worker.running()`` for all of ``workers`` at once: their consumer groups form in
    parallel rather than one after the other (each takes a session timeout or so)."""
    stop = threading.Event()
    threads = [
        threading.Thread(target=w.run, args=(stop,), name=f"inbox-{w.config.consumer}", daemon=True)
        for w in workers
    ]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + assigned_within
        for worker in workers:
            if not worker.assigned.wait(max(0.0, deadline - time.monotonic())):
                raise InboxError(
                    f"consumer group {worker.config.consumer!r} assigned no partitions "
                    f"within {assigned_within} s",
                    retriable=True,
                )
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)


def _spec(name: str, audience: str, module: Any, *, publishes: bool) -> ServiceSpec:
    return ServiceSpec(
        name, audience, module.MIGRATIONS, module.registry, module.TOPICS, publishes,
        module.create_app,
    )  # fmt: skip


#: Every service, in start order. Only ``activity`` publishes nothing (a read model).
SERVICES: Mapping[str, ServiceSpec] = {
    spec.name: spec
    for spec in (
        _spec("auth", "auth", auth, publishes=True),
        _spec("authz", "authz", authz, publishes=True),
        _spec("users", "users", users, publishes=True),
        _spec("watch_history", "watch-history", watch_history, publishes=True),
        _spec("activity", "activity", activity, publishes=False),
    )
}

#: Aggregate type -> the service that publishes it: each module of ``services.events`` is
#: one producer's, named after it (``_watch_history.py``: watch_history). Signing keys and
#: the consumers' trust follow this map (a unit test checks it names real publishers).
PUBLISHER: Mapping[str, str] = {
    contract.aggregate_type: contract.__module__.rsplit("._", 1)[-1] for contract in catalog
}

#: How long watch-history keeps a watch, and how often its retention policy runs.
WATCH_RETENTION = timedelta(days=365)
RETENTION_INTERVAL_S = 60.0

#: Light argon2 settings for a local deployment (tests, the demo); production uses
#: ``argon2.PasswordHasher()``'s defaults (``AuthSettings``' default).
LOCAL_HASHER = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)


@dataclass
class Deployment:
    """The services' databases, keys and topics; makes their relay, workers and apps."""

    databases: dict[str, ServiceDatabase]
    bootstrap_servers: str
    key: SigningKey
    prefix: str = ""
    service_clients: dict[str, auth.ServiceClient] = field(default_factory=dict)
    #: Each publishing service's Ed25519 key: it signs every event the service publishes.
    signing_keys: dict[str, Ed25519PrivateKey] = field(default_factory=dict)

    #: Per publishing service, the relay's least-privilege URL (else its admin URL).
    relay_urls: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, key in self.signing_keys.items():
            if name in self.databases:
                sign_events_with(EventSigning(key), database=self.databases[name].name)

    @classmethod
    def provision(
        cls,
        admin_url: str,
        bootstrap_servers: str,
        *,
        prefix: str = "",
        service_clients: Mapping[str, tuple[str, frozenset[str]]] | None = None,
    ) -> Deployment:
        """Create each service's role and database, run Postroom's migrations (with the
        signature column: every service signs what it publishes) and then the service's
        own (as its role), create every topic, and make each publisher's signing key."""
        databases, relay_urls = {}, {}
        for name, spec in SERVICES.items():
            database = provision_database(
                admin_url, f"{prefix}{name}", settings=signed_outbox_settings()
            )
            spec.migrations.upgrade(database.url)
            databases[name] = database
            if spec.publishes:
                relay_role = f"{prefix}{name}_relay"
                relay_urls[name] = migrations.grant_relay_role(database.admin_url, relay_role)
        ensure_topics(bootstrap_servers, sorted({t for s in SERVICES.values() for t in s.topics}))
        clients = {
            client: auth.ServiceClient(LOCAL_HASHER.hash(secret), permissions)
            for client, (secret, permissions) in (service_clients or {}).items()
        }
        keys = {
            name: generate_signing_key()
            for name in sorted(set(PUBLISHER.values()))
            if name in SERVICES and SERVICES[name].publishes
        }
        return cls(
            databases, bootstrap_servers, SigningKey.generate(), prefix, clients, keys, relay_urls
        )

    # -- pieces ------------------------------------------------------------------------

    def issuer(self) -> TokenIssuer:
        """Mints tokens as auth does (tests use it to make expired or odd tokens)."""
        return TokenIssuer(self.key.private_pem)

    def settings(self, name: str) -> ServiceSettings:
        return ServiceSettings(
            database_url=self.databases[name].url,
            public_key=self.key.public_pem,
            audience=SERVICES[name].audience,
        )

    def app(self, name: str) -> FastAPI:
        """``name``'s HTTP API, connecting as ``name``'s role."""
        if name == "auth":
            return auth.create_app(
                auth.AuthSettings(
                    database_url=self.databases[name].url,
                    private_key=self.key.private_pem,
                    public_key=self.key.public_pem,
                    service_clients=self.service_clients,
                    hasher=LOCAL_HASHER,
                )
            )
        return SERVICES[name].create_app(self.settings(name))

    def consumer(self, name: str) -> str:
        """``name``'s consumer group (and inbox consumer name)."""
        return self.databases[name].name

    def verifier(self) -> SignatureVerifier:
        """Trust, per topic, the public key of the one service that publishes there."""
        return SignatureVerifier(
            {
                wire.topic_for(aggregate_type): self.signing_keys[service].public_key()
                for aggregate_type, service in PUBLISHER.items()
                if service in self.signing_keys
            }
        )

    def worker(self, name: str) -> InboxWorker:
        """A new inbox worker for ``name`` (its own role, its own consumer group); it
        verifies every record's signature before handling it."""
        spec = SERVICES[name]
        if spec.registry is None:
            raise ValueError(f"{name} consumes nothing")
        config = InboxConfig.low_latency(
            self.consumer(name),
            spec.topics,
            self.bootstrap_servers,
            verifier=self.verifier() if self.signing_keys else None,
        )
        url, connect_args = async_engine_args(self.databases[name].url)
        engine = create_async_engine(url, connect_args=connect_args)
        return InboxWorker(config, spec.registry, engine)

    def relay(self, state_dir: Path) -> Relay:
        """One embedded Debezium relay over every publishing service's outbox."""
        sources = []
        for name, db in self.databases.items():
            if SERVICES[name].publishes:
                url = self.relay_urls.get(name, db.admin_url)
                sources.append(RelaySource(ConnectorConfig.from_url(db.name, url), url))
        return Relay(sources, bootstrap_servers=self.bootstrap_servers, state_dir=state_dir)

    def engine(self, name: str) -> sa.Engine:
        """A plain engine on ``name``'s database, as ``name``'s role (to look, in tests)."""
        return sa.create_engine(self.databases[name].url_for("psycopg"), poolclass=sa.NullPool)

    # -- all of it -----------------------------------------------------------------------

    def reporting_consumer(self, store: reporting.ColdStore) -> reporting.ReportingConsumer:
        """reporting's consumer: every topic any contract names, into ``store``."""
        topics = tuple(sorted({wire.topic_for(c.aggregate_type) for c in catalog}))
        return reporting.ReportingConsumer(
            store,
            group=f"{self.prefix}reporting",
            topics=topics,
            bootstrap_servers=self.bootstrap_servers,
            verifier=self.verifier() if self.signing_keys else None,
        )

    @contextmanager
    def serving(self, store: reporting.ColdStore | None = None) -> Iterator[dict[str, str]]:
        """Every HTTP API on a free 127.0.0.1 port (reporting's too, given its store);
        yields name -> base URL."""
        apps = {name: self.app(name) for name in SERVICES}
        if store is not None:
            apps["reporting"] = reporting.create_app(store, self.key.public_pem)
        with ExitStack() as stack:
            yield {
                name: stack.enter_context(serve(app, free_port(), name=f"{name}-http"))
                for name, app in apps.items()
            }

    def retention(self, *, interval_s: float = RETENTION_INTERVAL_S) -> RetentionSchedule:
        """watch-history's retention (``WATCH_RETENTION``) on a schedule."""
        policy = watch_history.watch_retention(WATCH_RETENTION)
        url = self.databases["watch_history"].url
        return watch_history.retention_schedule(url, policy, interval_s=interval_s)

    @contextmanager
    def running(self, state_dir: Path) -> Iterator[dict[str, str]]:
        """The relay, every inbox worker, reporting's consumer (its cold store in
        ``state_dir``), watch-history's retention schedule and every HTTP API; yields
        name -> base URL."""
        with ExitStack() as stack:
            relay = stack.enter_context(self.relay(state_dir))
            stack.enter_context(all_running([self.worker(name) for name in SERVICES]))
            stack.enter_context(self.retention().running())
            store = reporting.ColdStore(state_dir / "reporting.duckdb")
            stack.callback(store.close)
            stack.enter_context(self.reporting_consumer(store).running())
            relay.wait_streaming()
            yield stack.enter_context(self.serving(store))
