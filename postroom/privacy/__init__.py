"""Personal data in an outbox architecture: crypto-shredding, signed events, retention.

- Sealing (``seal_fields``/``open_fields``): personal fields encrypted per data subject
  (AES-256-GCM), with keys in the key-owning service's database (``SubjectKeys``,
  ``subject_keys_table``). ``SubjectKeys.shred`` destroys a subject's key, and with it
  every copy of their sealed fields: in topics, dead letters, cold stores and backups.
- Signing (``EventSigning`` for ``outbox.Outbox(signer=...)``, ``SignatureVerifier`` for
  ``inbox.InboxConfig(verifier=...)``): Ed25519 over ``outbox.wire.signed_content``.
- Retention (``RetentionPolicy``, ``expire``/``expire_async``, ``RetentionSchedule``):
  old rows deleted through the events that tell the read models.
"""

from postroom.errors import (
    BadSignatureError,
    MissingSignatureError,
    PrivacyError,
    SealedValueError,
    SubjectShreddedError,
)
from postroom.privacy._keys import SUBJECT_KEYS_TABLE, SubjectKeys, subject_keys_table
from postroom.privacy._retention import (
    RetentionPolicy,
    RetentionSchedule,
    expire,
    expire_async,
)
from postroom.privacy._sealing import (
    DATA_KEY_BYTES,
    SEALED_PREFIX,
    is_sealed,
    new_data_key,
    open_fields,
    open_value,
    seal_fields,
    seal_value,
)
from postroom.privacy._settings import signed_outbox_settings
from postroom.privacy._signing import (
    EventSigning,
    SignatureVerifier,
    generate_signing_key,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_pem,
    sign_content,
)

__all__ = [
    "DATA_KEY_BYTES",
    "SEALED_PREFIX",
    "SUBJECT_KEYS_TABLE",
    "BadSignatureError",
    "EventSigning",
    "MissingSignatureError",
    "PrivacyError",
    "RetentionPolicy",
    "RetentionSchedule",
    "SealedValueError",
    "SignatureVerifier",
    "SubjectKeys",
    "SubjectShreddedError",
    "expire",
    "expire_async",
    "generate_signing_key",
    "is_sealed",
    "load_private_key",
    "load_public_key",
    "new_data_key",
    "open_fields",
    "open_value",
    "private_key_pem",
    "public_key_pem",
    "seal_fields",
    "seal_value",
    "sign_content",
    "signed_outbox_settings",
    "subject_keys_table",
]
