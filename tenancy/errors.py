"""The domain errors services raise; the API and the pages turn them into 4xx responses.

Field-level problems are Django's `ValidationError` (400 with a message per field). A step the
current state does not allow is a `ConflictError` (409 with the reason).
"""


class ConflictError(Exception):
    """The request is well-formed but the object's state forbids it (HTTP 409)."""

    def __init__(self, message: str, *, code: str = "conflict"):
        super().__init__(message)
        self.message = message
        self.code = code


class TransitionNotAllowed(ConflictError):
    def __init__(self, message: str):
        super().__init__(message, code="illegal_transition")


class PermissionDeniedError(Exception):
    """The user may see the object but not do this to it (HTTP 403)."""


# PostgreSQL aborted this transaction to let a concurrent one through (deadlock detected,
# serialization failure): nothing was written, and the same request again will most likely pass.
CONCURRENCY_SQLSTATES = ("40P01", "40001")
CONCURRENT_CHANGE_MESSAGE = (
    "These records were being changed by another request at the same moment; nothing was saved. "
    "Try again."
)


def is_concurrency_failure(exc: Exception) -> bool:
    return getattr(exc.__cause__, "sqlstate", None) in CONCURRENCY_SQLSTATES
