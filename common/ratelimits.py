"""Rate limits keyed by the real client behind the TLS proxy, and failing open when Redis is down.

Behind a proxy every request comes from the proxy's address, so keying by ``REMOTE_ADDR`` makes
the whole company one client. ``TRUSTED_PROXY_HOPS`` says how many proxies append to
``X-Forwarded-For``; the address the outermost of them saw is the client. Addresses further left
are written by the client itself and are never trusted.
"""

import functools
import logging
from collections.abc import Callable

from django.conf import settings
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def client_address(request) -> str:
    """The client's address: ``REMOTE_ADDR``, or with N trusted proxies the N-th entry of
    ``X-Forwarded-For`` from the right. A request with a shorter header did not pass through all
    the proxies, so its peer address is the only one that cannot be forged."""
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_HOPS
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    return forwarded[-hops] if len(forwarded) >= hops else remote


def client_key(group, request) -> str:
    """A django-ratelimit key function."""
    return client_address(request)


def username_key(group, request) -> str:
    return request.POST.get("username", "").strip().casefold()


def login_rate(group, request) -> str:
    return settings.LOGIN_RATE


def limited(request, *, counters: dict[str, Callable], rate, method=ALL) -> bool:
    """Count this request in every counter (group name: key function) and say whether any is over
    the limit. When the cache cannot be reached the request proceeds, with one warning: a missing
    limit is better than a portal that answers 500."""
    try:
        over = [is_ratelimited(request, group=group, key=key, rate=rate, method=method, increment=True) for group, key in counters.items()]
    except (RedisError, OSError) as error:
        logger.warning("Rate limits %s not applied, the cache is unreachable: %s", ", ".join(counters), error)
        return False
    return any(over)


def login_limited(request) -> bool:
    # Two counters: one throttles a client trying many names, the other many clients trying one name.
    return limited(request, counters={"login.client": client_key, "login.username": username_key}, rate=login_rate, method="POST")


def ratelimit(*, rate, method=ALL, key=client_key):
    """Like django-ratelimit's ``ratelimit(block=False)``: sets ``request.limited`` for the view to
    answer, keyed by :func:`client_key` and failing open."""

    def decorator(view):
        group = f"{view.__module__}.{view.__qualname__}"

        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            over = limited(request, counters={group: key}, rate=rate, method=method)
            request.limited = getattr(request, "limited", False) or over
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
