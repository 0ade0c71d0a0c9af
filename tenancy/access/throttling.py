"""API rate limits per API key and per organization (DRF throttles on the Redis cache).

Limits come from settings (`API_RATE_PER_KEY`, `API_RATE_PER_ORGANIZATION`, e.g. "600/min").
Past a limit DRF answers 429 and sets `Retry-After`; the body is the project's error format.
Cache keys start with the organization, like every tenant cache key.
"""

from rest_framework.throttling import SimpleRateThrottle


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Each API key on its own: one runaway script does not use up its organization's limit."""

    scope = "api_key"

    def get_cache_key(self, request, view):
        api_key = getattr(request._request, "api_key", None)
        if api_key is None:
            return None
        return f"org:{api_key.organization_id}:throttle:api_key:{api_key.pk}"


class OrganizationRateThrottle(SimpleRateThrottle):
    """Everything an organization's keys and browser sessions send to the API together."""

    scope = "organization"

    def get_cache_key(self, request, view):
        organization = getattr(request._request, "organization", None)
        if organization is None:
            return None
        return f"org:{organization.pk}:throttle:organization"
