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
