"""Gunicorn settings for running IM Portal in production: `gunicorn -c gunicorn.conf.py`.

Every value can be changed through the environment (gunicorn also reads GUNICORN_CMD_ARGS).
Sync workers: each request is one PostgreSQL transaction (ATOMIC_REQUESTS) and the work is
rendering and SQL, so two workers per core keep the cores busy while others wait on the database.
"""

import multiprocessing
import os

wsgi_app = "im_portal.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
worker_class = "sync"
# Exports and the board report take seconds, never more; a stuck worker is restarted.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so that no worker grows without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# Access log to stdout (off with GUNICORN_ACCESS_LOG=0, as the benchmark does).
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "1") != "0" else None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Behind a TLS proxy on another host, list its address in FORWARDED_ALLOW_IPS.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "im-portal-web"
