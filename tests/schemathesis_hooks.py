"""Schemathesis hooks for tests/test_openapi_contract.py (loaded through ``SCHEMATHESIS_HOOKS``).

``POST /sparql`` takes an ``application/sparql-query`` body: SPARQL text, which Schemathesis has no serializer
for. The documented examples (the hub's own queries) and the generated strings are sent as UTF-8 text.
"""

from __future__ import annotations

import schemathesis


@schemathesis.serializer("application/sparql-query")
def sparql_text(ctx: object, value: object) -> bytes:
    """The query text as the body, as it is."""
    return value if isinstance(value, bytes) else str(value).encode("utf-8")
