"""IM Portal settings: one module, configured only through the environment.

``DJANGO_DEBUG`` is off unless set to 1 (``make run``/``make test``/``make manage`` set it); then
development defaults apply. Without it the secrets and hosts have no default and start-up
fails naming the missing variable.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".data"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # optional; a missing file is ignored


def _required(name: str) -> str:
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(f"Set the {name} environment variable (required unless DJANGO_DEBUG=1).")
    return value


# Off unless asked for: `make run`, `make test` and `make manage` ask for it (development with
# the embedded servers); a production start that forgets the variable never shows debug pages.
DEBUG = env.bool("DJANGO_DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key-never-use-in-production")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
else:
    SECRET_KEY = _required("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = [h.strip() for h in _required("DJANGO_ALLOWED_HOSTS").split(",") if h.strip()]

if not env.str("DATABASE_URL", default=""):
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Start the portal with `make run` (which starts an embedded "
        "PostgreSQL) or point DATABASE_URL at your PostgreSQL server."
    )
if not env.str("REDIS_URL", default=""):
    raise ImproperlyConfigured(
        "REDIS_URL is not set. Start the portal with `make run` (which starts an embedded Redis) or point REDIS_URL at your Redis server."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_celery_beat",
    "axes",
    "common",
    "people",
    "programs",
    "surveys",
    "kpis",
    "dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "common.middleware.SessionLimitsMiddleware",
    "common.middleware.PrivacyHeadersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that it turns the flag set on a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# `make bench` adds a bare one-insert view (the framework's floor) beside the portal's URLs.
ROOT_URLCONF = "benchmarks.urls" if env.bool("BENCH_FLOOR", default=False) else "im_portal.urls"
WSGI_APPLICATION = "im_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "common.context_processors.navigation",
            ],
        },
    },
]

# Database: PostgreSQL only. TEST_DATABASE_NAME lets parallel test runs share one server.
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# Connections are kept for a minute and reused (checked before reuse), instead of one new
# PostgreSQL connection per request; 0 closes after each request (e.g. behind pgbouncer).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if env.str("TEST_DATABASE_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME")}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...).")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="im"),
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2 for new and changed passwords; older hashes still verify and are upgraded at sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one user name, that name
# cannot sign in, even with the right password, until AXES_COOLOFF_MINUTES have passed since the
# last failure; a successful sign-in clears the count. Locked per user name, not per address:
# behind the TLS proxy every employee may share one address, and an IP lock (or user + IP) would
# either lock the whole company out or let an attacker on many addresses keep guessing.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_MINUTES = env.int("AXES_COOLOFF_MINUTES", default=15)
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_MINUTES < 1:
    raise ImproperlyConfigured("AXES_FAILURE_LIMIT and AXES_COOLOFF_MINUTES must be at least 1.")
AXES_COOLOFF_TIME = timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "common.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "common.ratelimits.client_address"  # recorded with a failure, not a lock key
# Failed attempts are kept (staff can unlock in the admin); successful sign-ins are not logged here.
AXES_DISABLE_ACCESS_LOG = True
# axes.W006 asks for the address as a lock key too: that is the proxy trap described above, and
# rotating user agents or cookies does not get round a lock on the user name.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Languages: English and German from the first page.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
USE_I18N = True
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Berlin")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=DATA_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=DATA_DIR / "media")
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Mail: SMTP in production via EMAIL_URL; in development every mail is written to .data/mail
# (the development mail log) so invitation links can be followed.
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env.path("EMAIL_FILE_PATH", default=DATA_DIR / "mail")
else:
    _required("EMAIL_URL")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="IM Portal <im-portal@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
COMPANY_NAME = env.str("COMPANY_NAME", default="IM Portal")  # on the board report

# Celery: Redis as broker and result backend; the beat schedule lives in the database.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Every host of one installation uses the same queue; a second installation on the same Redis
# database would need its own name (better: its own Redis database).
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")

# Anonymity: the minimum reporting group may be raised per installation, never below 3.
REPORTING_THRESHOLD = env.int("REPORTING_THRESHOLD", default=5)
COMMENT_THRESHOLD = env.int("COMMENT_THRESHOLD", default=5)
if REPORTING_THRESHOLD < 3 or COMMENT_THRESHOLD < 3:
    raise ImproperlyConfigured("REPORTING_THRESHOLD and COMMENT_THRESHOLD must be at least 3.")

# While a wave is open results move only in steps of REPORTING_THRESHOLD new responses; an
# installation may instead show nothing before a wave closes.
SURVEYS_RESULTS_AT_CLOSE_ONLY = env.bool("SURVEYS_RESULTS_AT_CLOSE_ONLY", default=False)
# The key that seals answer sheets while they wait in the ballot box (derived from SECRET_KEY
# when unset). Keep it out of the database; changing it while ballots wait makes them unreadable.
SURVEYS_BALLOT_KEY = env.str("SURVEYS_BALLOT_KEY", default="")
# django-ratelimit rates per client for token pages and the public customer feedback link.
SURVEYS_TOKEN_RATE = env.str("SURVEYS_TOKEN_RATE", default="30/m")
SURVEYS_FEEDBACK_RATE = env.str("SURVEYS_FEEDBACK_RATE", default="10/m")
# Sign-in attempts (POSTs), counted per client and per user name separately.
LOGIN_RATE = env.str("LOGIN_RATE", default="10/m")
# How many proxies in front of the portal append to X-Forwarded-For: 0 keys rate limits by the
# peer address; behind the TLS proxy set 1, or everybody shares the proxy's budget.
TRUSTED_PROXY_HOPS = env.int("TRUSTED_PROXY_HOPS", default=0)
if TRUSTED_PROXY_HOPS < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_HOPS must be 0 or more.")
# A limiter whose cache lost a count lets the request through (common.ratelimits does the same
# when Redis is unreachable) rather than refusing everybody.
RATELIMIT_FAIL_OPEN = True
# Sessions stay in PostgreSQL (Django's default, pinned here): survey links hand over to the
# session, so sessions in Redis would make a Redis outage stop every employee from answering.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# A sign-in ends after this long without a request, and this long after it began however active
# (common.middleware.SessionLimitsMiddleware); the cookie lives no longer than the latter.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=60)
SESSION_MAX_HOURS = env.int("SESSION_MAX_HOURS", default=12)
if SESSION_IDLE_MINUTES < 1 or SESSION_MAX_HOURS < 1:
    raise ImproperlyConfigured("SESSION_IDLE_MINUTES and SESSION_MAX_HOURS must be at least 1.")
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600

# Celery heartbeat older than this makes /healthz report the worker as down.
HEARTBEAT_MAX_AGE_SECONDS = env.int("HEARTBEAT_MAX_AGE_SECONDS", default=180)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Security: strict in production; `manage.py check --deploy` passes with production settings.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
    CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
