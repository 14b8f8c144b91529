from dataclasses import dataclass, field
from datetime import datetime

import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from common.models import Heartbeat


@dataclass
class Health:
    database: str = "ok"
    redis: str = "ok"
    celery: str = "ok"
    last_heartbeat: datetime | None = None
    failing: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.failing

    def as_dict(self) -> dict:
        return {
            "status": "ok" if self.healthy else "failing",
            "failing": self.failing,
            "database": self.database,
            "redis": self.redis,
            "celery": self.celery,
            "last_heartbeat": self.last_heartbeat.isoformat() if self.last_heartbeat else None,
        }


def health_get() -> Health:
    """Check the database, Redis and the last Celery heartbeat; never raises."""
    health = Health()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        beat = Heartbeat.objects.filter(name="celery").values_list("last_seen", flat=True).first()
    except Exception as exc:
        health.database = f"error: {exc.__class__.__name__}"
        health.failing.append("database")
        beat = None
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2).ping()
    except Exception as exc:
        health.redis = f"error: {exc.__class__.__name__}"
        health.failing.append("redis")
    health.last_heartbeat = beat
    if beat is None:
        health.celery = "no heartbeat recorded"
        health.failing.append("celery")
    elif (timezone.now() - beat).total_seconds() > settings.HEARTBEAT_MAX_AGE_SECONDS:
        health.celery = "heartbeat too old"
        health.failing.append("celery")
    return health
