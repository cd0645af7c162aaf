"""``StoredText``: a string from a request that is about to be stored or published.

PostgreSQL's ``text`` and ``jsonb`` can't hold the NUL character, and no encoder takes a
lone surrogate; an ``Event`` refuses both. Caught here, at the API's edge, they are a
422 naming the field, instead of a 500 from the database or the outbox (found by the
schema fuzzing in tests/integration/services/test_fuzz_apis.py).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

__all__ = ["StoredText"]

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _storable(value: str) -> str:
    if _UNSTORABLE.search(value):
        raise ValueError("must not contain a NUL character or a lone surrogate")
    return value


#: A ``str`` field or path parameter whose value is stored or published.
StoredText = Annotated[str, AfterValidator(_storable)]
