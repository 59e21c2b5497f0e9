"""Settings for DiagramSite.

Every value comes from an environment variable with a safe development
default, so a fresh clone runs with SQLite, an in-memory channel layer and an
in-process worker. Production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS and, to
scale out, DATABASE_URL (PostgreSQL), REDIS_URL and WORKER_MODE=celery.
"""

from pathlib import Path
from urllib.parse import unquote, urlparse

from diagramsite.envconf import env_bool, env_int, env_list, env_str
from ranking import paths
from ranking.generation.prompting import MAX_PROMPT_CHARS

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)
# The development key is only ever used with DEBUG on; check --deploy flags it otherwise.
SECRET_KEY = env_str("SECRET_KEY", "dev-insecure-key-change-me-" + "x" * 30)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "channels",
    "accounts",
    "ranking",
    "ranking.learning",
]

MIDDLEWARE = [
    # First: its headers go on every response, static files and errors included.
    "diagramsite.middleware.SecurityHeadersMiddleware",
    "diagramsite.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "diagramsite.urls"
ASGI_APPLICATION = "diagramsite.asgi.application"
WSGI_APPLICATION = "diagramsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database_from_url(url: str) -> dict:
    """Return a Django DATABASES entry for a postgres:// or sqlite:/// URL."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": unquote(parsed.path[1:])}
    if parsed.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": 60,
        }
    raise ValueError(f"DATABASE_URL scheme {parsed.scheme!r} is not supported")


DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": _database_from_url(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            # The in-process worker writes while requests read: wait instead of failing.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def redis_channel_layer(url: str) -> dict:
    """Return the CHANNEL_LAYERS entry of the Redis channel layer on `url`: Redis pub/sub.

    channels_redis's core layer queued every message for a web process's
    sockets in one sorted set, and the web process took them out one at a
    time, with four sequential Redis round trips each, on the event loop
    that also serves every request and socket: on a busy core it fell
    behind (~1,800 messages waiting, `done` reaching the page 29 s late at
    the median, docs/benchmarks.md "Scale-out delivery"), and it silently
    dropped messages beyond its capacity or older than its expiry. With
    pub/sub a group send is one PUBLISH; Redis pushes it to each web process
    subscribed to the group, which reads whatever has arrived in one go and
    fans it out to its own sockets: no per-message round trip, no capacity,
    no expiry. What it gives up: a message published while a web process is
    not connected to Redis is not kept for it (the core layer kept it up to
    its expiry); a socket's `state` message on (re)connect covers a page
    that reconnects, and a page whose socket stayed open asks the API after
    20 s without a message (static/js/job.js).
    """
    return {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [url]},
    }


REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    # Shared by every process: the login throttle counts across web servers.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    CHANNEL_LAYERS = {"default": redis_channel_layer(REDIS_URL)}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# "thread": an in-process worker (embedded default); "celery": separate worker
# processes fed through Celery on REDIS_URL; "off": nothing runs jobs (tests).
WORKER_MODE = env_str("WORKER_MODE", "thread")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# An unacked message comes back after this long; jobs of dead workers are
# taken back much sooner by the heartbeat reaper below.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}

# Job runtime: a running job's worker touches heartbeat_at every
# JOB_HEARTBEAT_SECONDS; a job silent for JOB_STALE_SECONDS is re-queued
# until it has run JOB_MAX_ATTEMPTS times, then failed.
JOB_HEARTBEAT_SECONDS = env_int("JOB_HEARTBEAT_SECONDS", 5)
JOB_STALE_SECONDS = env_int("JOB_STALE_SECONDS", 60)
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 2)
# Dotted path of a callable(LLMConfig) -> generator; empty: the real LLM
# (ranking.engines). The one place a test swaps in a small generator.
JOB_GENERATOR_FACTORY = env_str("JOB_GENERATOR_FACTORY", "")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Every password log-in goes through the throttle (accounts/throttle.py).
AUTHENTICATION_BACKENDS = ["accounts.backends.ThrottledModelBackend"]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
LOGIN_URL = "accounts-login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "accounts-login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.api_auth.ThrottledTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "DiagramSite API",
    "DESCRIPTION": "Turn English descriptions of ML models and processes into ranked diagrams.",
    "VERSION": "1.0.0",
}

# Where trained weights and the cached base LLM live (defaults: ranking/paths.py).
MODELS_DIR = Path(env_str("DIAGRAMSITE_MODELS_DIR", str(paths.MODELS_DIR)))
MODEL_CACHE_DIR = Path(env_str("DIAGRAMSITE_MODEL_CACHE", str(paths.BASE_MODEL_CACHE)))

# Product limits.
MAX_JOBS_IN_FLIGHT = env_int("MAX_JOBS_IN_FLIGHT", 2)
# Room for a pasted Keras / PyTorch model listing (see generation/prompting.py).
# Characters; the default is the generator's own input cap (one definition).
MAX_PROMPT_LENGTH = env_int("MAX_PROMPT_LENGTH", MAX_PROMPT_CHARS)

# Requests larger than this are refused with 413 before anything reads them.
MAX_REQUEST_BODY_BYTES = env_int("MAX_REQUEST_BODY_BYTES", 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES

# Security headers (diagramsite/middleware.py and Django's own): only the
# site's own scripts and styles, no inline script, never framed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

if not DEBUG:
    # The pages read the CSRF token from their forms, never from the cookie.
    CSRF_COOKIE_HTTPONLY = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# In development whitenoise serves straight from the app folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
