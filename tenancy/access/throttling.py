"""API rate limits per API key and per organization, both counted in one Redis round trip.

Limits come from settings (`API_RATE_PER_KEY`, `API_RATE_PER_ORGANIZATION`, e.g. "600/min",
through REST_FRAMEWORK's DEFAULT_THROTTLE_RATES `api_key` and `organization`). Each API key is
limited on its own (one runaway script does not use up its organization's limit) and everything
an organization's keys and browser sessions send to the API together. Past a limit DRF answers
429 with `Retry-After`; the body is the project's error format.

Fixed windows: a counter per key (and per organization) per minute (or second, hour, day, as
the rate says), incremented with INCR and given its expiry in one pipelined round trip. DRF's
own `SimpleRateThrottle` keeps a list of every request's time per key and reads and rewrites it
(two round trips per limit, and a list of up to the limit's length unpickled on each request):
four round trips per API request here. A fixed window lets a client send up to twice its limit
across a window's edge; the limits are there against runaway clients, which it stops just as
well. Cache keys start with the organization, like every tenant cache key, and live in the
cache's Redis database (so `cache.clear()` resets them).
"""

from __future__ import annotations

import time
from functools import cache

import redis
from django.conf import settings
from django.core.cache import cache as django_cache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
clock = time.time  # the tests set the time


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """ "600/min" → (600, 60); None when there is no limit."""
    if rate is None:
        return None
    count, period = rate.split("/")
    return int(count), PERIODS[period[0]]


@cache
def _redis() -> redis.Redis:
    location = settings.CACHES["default"]["LOCATION"]
    return redis.Redis.from_url(location if isinstance(location, str) else location[0])


class TenantRateThrottle(BaseThrottle):
    """Both limits of a request: its API key's (if any) and its organization's."""

    THROTTLE_RATES: dict = api_settings.DEFAULT_THROTTLE_RATES

    def allow_request(self, request, view) -> bool:
        organization = getattr(request._request, "organization", None)
        api_key = getattr(request._request, "api_key", None)
        candidates = []
        if api_key is not None:
            candidates.append((f"org:{api_key.organization_id}:throttle:api_key:{api_key.pk}",
                               parse_rate(self.THROTTLE_RATES.get("api_key"))))  # fmt: skip
        if organization is not None:
            candidates.append((f"org:{organization.pk}:throttle:organization",
                               parse_rate(self.THROTTLE_RATES.get("organization"))))  # fmt: skip
        limits = [(key, rate) for key, rate in candidates if rate is not None]
        if not limits:
            return True
        now = clock()
        pipeline = _redis().pipeline(transaction=False)
        windows = []
        for key, (_, seconds) in limits:
            window = int(now // seconds)
            name = django_cache.make_key(f"{key}:{seconds}:{window}")
            pipeline.incr(name)
            pipeline.expire(name, seconds + 1)
            windows.append((window + 1) * seconds - now)
        counts = pipeline.execute()[::2]
        over = [
            remaining
            for (_, (allowed, _)), count, remaining in zip(limits, counts, windows, strict=True)
            if count > allowed
        ]
        self._wait = max(over) if over else None
        return not over

    def wait(self) -> float | None:
        return self._wait
