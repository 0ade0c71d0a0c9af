"""OpenAPI post-processing: every operation documents the rate-limit answer (429 with
`Retry-After`), so clients and schema checks know it can happen."""

RATE_LIMITED = {
    "description": "Too many requests for this API key or organization; retry after the "
    "number of seconds in `Retry-After`.",
    "headers": {
        "Retry-After": {
            "schema": {"type": "integer"},
            "description": "Seconds to wait before the next request.",
        }
    },
}


def document_rate_limits(result, generator, request, public):
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):  # /organizations/ is rate-limited too
            continue
        for operation in operations.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"].setdefault("429", RATE_LIMITED)
    return result
