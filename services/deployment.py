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

import secrets
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
from postroom.services import activity, auth, authz, privacy, reporting, users, watch_history
from postroom.services.events import PRIVACY_REPLY_TYPE, catalog, sign_events_with
from postroom.services.platform import (
    ServiceDatabase,
    ServiceMigrations,
    ServiceSettings,
    SigningKey,
    TokenIssuer,
    provision_database,
    serve,
)

__all__ = [
    "PUBLISHERS",
    "REPLY_PUBLISHERS",
    "SERVICES",
    "SIGNERS",
    "Deployment",
    "ServiceSpec",
    "all_running",
]


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
        name,
        audience,
        module.MIGRATIONS,
        module.registry,
        module.TOPICS,
        publishes,
        module.create_app,
    )


#: Every service, in start order. Each publishes (activity, a read model, only its
#: answers to the privacy sagas).
#: privacy's inbox handlers are bound to its settings (``Deployment.worker`` makes them).
SERVICES: Mapping[str, ServiceSpec] = {
    spec.name: spec
    for spec in (
        _spec("auth", "auth", auth, publishes=True),
        _spec("authz", "authz", authz, publishes=True),
        _spec("users", "users", users, publishes=True),
        _spec("watch_history", "watch-history", watch_history, publishes=True),
        _spec("activity", "activity", activity, publishes=True),
        ServiceSpec(
            "privacy", "privacy", privacy.MIGRATIONS, None, privacy.TOPICS, True, privacy.create_app
        ),
    )
}

#: The services answering privacy's requests on the one reply topic, each with its own
#: key: every participant, reporting (no outbox: it signs what it produces itself) and
#: privacy (it confirms for the partner it reaches over HTTP).
REPLY_PUBLISHERS: tuple[str, ...] = (*privacy.PARTICIPANTS, "privacy")

#: Aggregate type -> the services that publish it: each module of ``services.events`` is
#: one producer's, named after it (``_watch_history.py``: watch_history), except the
#: privacy replies (``_privacy.py``), which every participant publishes. Signing keys and
#: the consumers' trust follow this map (a unit test checks it names real publishers).
PUBLISHERS: Mapping[str, tuple[str, ...]] = {
    contract.aggregate_type: (
        REPLY_PUBLISHERS
        if contract.aggregate_type == PRIVACY_REPLY_TYPE
        else (contract.__module__.rsplit("._", 1)[-1],)
    )
    for contract in catalog
}

#: Every service that signs events: a key each (reporting is not in ``SERVICES``: it has
#: no database of its own, only the cold store).
SIGNERS: tuple[str, ...] = tuple(sorted({name for names in PUBLISHERS.values() for name in names}))

#: How long watch-history keeps a watch, and how often its retention policy runs.
WATCH_RETENTION = timedelta(days=365)
RETENTION_INTERVAL_S = 60.0

#: A local deployment's privacy deadlines (tests, the demo): seconds, not days.
LOCAL_PRIVACY: Mapping[str, Any] = {
    "erasure_deadline": timedelta(seconds=60),
    "erasure_rerequest": timedelta(seconds=2),
    "export_deadline": timedelta(seconds=8),
    "export_rerequest": timedelta(seconds=3),
    "scheduler_interval": 0.2,
}

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

    #: privacy's completion records key and subject-digest key (made at provisioning).
    records_key: SigningKey = field(default_factory=SigningKey.generate)
    subject_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    #: Where privacy ships its erasure log (``running`` sets ``<state_dir>/erasure-log``).
    privacy_log_dir: Path | None = None
    #: The partner system privacy erases at over HTTP (none: no partner participant).
    partner_url: str | None = None
    privacy_options: dict[str, Any] = field(default_factory=lambda: dict(LOCAL_PRIVACY))

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
            for name in SIGNERS
            if name == "reporting" or (name in SERVICES and SERVICES[name].publishes)
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

    def privacy_settings(self) -> privacy.PrivacySettings:
        if self.privacy_log_dir is None:
            raise ValueError("set privacy_log_dir first (running() does)")
        return privacy.PrivacySettings(
            database_url=self.databases["privacy"].url,
            public_key=self.key.public_pem,
            records_key=self.records_key,
            subject_key=self.subject_key,
            log_dir=self.privacy_log_dir,
            partner_url=self.partner_url,
            **self.privacy_options,
        )

    def privacy_scheduler(self) -> privacy.PrivacyScheduler:
        """privacy's deadlines, re-requests, partner calls and erasure-log shipping."""
        return privacy.PrivacyScheduler(self.privacy_settings())

    def consumes(self, name: str) -> bool:
        """Whether ``name`` runs an inbox worker."""
        return SERVICES[name].registry is not None or name == "privacy"

    def app(self, name: str) -> FastAPI:
        """``name``'s HTTP API, connecting as ``name``'s role."""
        if name == "privacy":
            return privacy.create_app(self.privacy_settings())
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
                wire.topic_for(aggregate_type): [
                    self.signing_keys[service].public_key()
                    for service in services
                    if service in self.signing_keys
                ]
                for aggregate_type, services in PUBLISHERS.items()
                if any(service in self.signing_keys for service in services)
            }
        )

    def event_signing(self, name: str) -> EventSigning | None:
        """``name``'s signer for what it produces outside an outbox (reporting's replies)."""
        key = self.signing_keys.get(name)
        return EventSigning(key) if key is not None else None

    def worker(self, name: str) -> InboxWorker:
        """A new inbox worker for ``name`` (its own role, its own consumer group); it
        verifies every record's signature before handling it."""
        spec = SERVICES[name]
        registry = spec.registry
        if name == "privacy":
            registry = privacy.registry_for(privacy.PrivacySagas(self.privacy_settings()))
        if registry is None:
            raise ValueError(f"{name} consumes nothing")
        config = InboxConfig.low_latency(
            self.consumer(name),
            spec.topics,
            self.bootstrap_servers,
            verifier=self.verifier() if self.signing_keys else None,
        )
        url, connect_args = async_engine_args(self.databases[name].url)
        engine = create_async_engine(url, connect_args=connect_args)
        return InboxWorker(config, registry, engine)

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
            privacy=reporting.ReportingPrivacy(
                store, self.bootstrap_servers, signing=self.event_signing("reporting")
            ),
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
        ``state_dir``), watch-history's retention schedule, privacy's scheduler and every
        HTTP API; yields name -> base URL."""
        if self.privacy_log_dir is None:
            self.privacy_log_dir = state_dir / "erasure-log"
        with ExitStack() as stack:
            relay = stack.enter_context(self.relay(state_dir))
            workers = [self.worker(name) for name in SERVICES if self.consumes(name)]
            stack.enter_context(all_running(workers))
            stack.enter_context(self.retention().running())
            stack.enter_context(self.privacy_scheduler().running())
            store = reporting.ColdStore(state_dir / "reporting.duckdb")
            stack.callback(store.close)
            stack.enter_context(self.reporting_consumer(store).running())
            relay.wait_streaming()
            yield stack.enter_context(self.serving(store))
