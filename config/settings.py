"""Circlewise settings: one file, read from the environment.

Development (the default) runs on SQLite with a fixed insecure key. Production is switched on with
CIRCLEWISE_PRODUCTION=1 and then requires SECRET_KEY and ALLOWED_HOSTS from the environment.
"""

import os
import sys
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.csp import CSP  # type: ignore[import-not-found,unused-ignore]
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PRODUCTION = env_bool("CIRCLEWISE_PRODUCTION")
DEBUG = env_bool("DEBUG", default=not PRODUCTION)
TESTING = env_bool("CIRCLEWISE_TESTING") or "pytest" in sys.modules
# The speed-ups of circlewise.core.perf (docs/decisions/0007-performance-seam.md). Off
# (CIRCLEWISE_FAST_PATHS=0), Circlewise runs on stock Django alone: its SQLite engine, session
# engines and in-memory cache, every query through the ORM, Django's own CSRF token.
CIRCLEWISE_FAST_PATHS = env_bool("CIRCLEWISE_FAST_PATHS", default=True)

if PRODUCTION:
    SECRET_KEY = os.environ["SECRET_KEY"]
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
else:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-never-use-in-production")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The address people reach the site at, for links in emails (circlewise.core.links). Unset, links
# use the address of the request that sent the email; production should set it.
# The tests' is the test client's, so that the emails the task runs send link somewhere.
SITE_URL = os.environ.get("SITE_URL", "http://testserver" if TESTING else "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "channels",
    "django_tasks_db",
    "crontask",  # the scheduler of periodic tasks: `manage.py crontask`
    "ninja",  # serves the API docs' Swagger UI from static files, not a CDN
    "circlewise.core",
    "circlewise.accounts",
    "circlewise.circles",
    "circlewise.notifications",
    "circlewise.decisions",
    "circlewise.discussions",
    "circlewise.meetings",
    "circlewise.reviews",
    "circlewise.selections",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "circlewise.core.inputs.InputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "circlewise.core.middleware.TimezoneMiddleware",
    "circlewise.core.middleware.ApiErrorMiddleware",
]

# Every form's fields through one template (circlewise/core/forms.py).
FORM_RENDERER = "circlewise.core.forms.FormRenderer"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "circlewise" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # `bdi` and `isolate` (names and titles) are needed on every page, `{% load %}` or not.
            "builtins": ["circlewise.core.templatetags.circlewise"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "circlewise.core.context_processors.navigation",
            ],
        },
    }
]

# Databases: SQLite by default (WAL, IMMEDIATE transactions), PostgreSQL through DATABASE_URL.
SQLITE_PATH = Path(os.environ.get("SQLITE_PATH", BASE_DIR / "var" / "circlewise.sqlite3"))
DATABASES: dict[str, dict[str, Any]]
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dict(dj_database_url.parse(os.environ["DATABASE_URL"]))}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        if env_bool("DATABASE_POOL", default=not TESTING):
            DATABASES["default"]["OPTIONS"] = {
                "pool": {"min_size": 2, "max_size": int(os.environ.get("DATABASE_POOL_SIZE", "16"))}
            }
        else:
            DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "60"))
            DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": (
                "circlewise.core.perf.sqlite"
                if CIRCLEWISE_FAST_PATHS
                else "django.db.backends.sqlite3"
            ),
            "NAME": SQLITE_PATH,
            "CONN_MAX_AGE": None,
            # Tests use an in-memory database (one per parallel test process).
            "TEST": {"NAME": ":memory:"},
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA cache_size=-20000;"
                    "PRAGMA mmap_size=268435456;"
                ),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL and TESTING and os.environ.get("PYTEST_XDIST_WORKER", "").startswith("gw"):
    # Each parallel test process gets a Redis database of its own: tests clear the cache, and
    # clearing a Redis cache empties its whole database.
    from urllib.parse import urlsplit, urlunsplit

    _redis = urlsplit(REDIS_URL)
    _db = int(_redis.path.strip("/") or 0) + 1 + int(os.environ["PYTEST_XDIST_WORKER"][2:])
    REDIS_URL = urlunsplit(_redis._replace(path=f"/{_db}"))
CACHES: dict[str, dict[str, Any]]
CHANNEL_LAYERS: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # A consumer waits for its next message with a blocking pop of 5 s
            # (channels_redis' brpop_timeout); redis-py's own read timeout is 5 s too, so a
            # room quiet for 5 s lost its screens. The read may take a little longer than the pop.
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 15}]},
        }
    }
else:
    # Bounded by the bytes it holds (pages per viewer are 40-150 kB each), not only by count.
    CACHES = {
        "default": {
            "BACKEND": (
                "circlewise.core.perf.cache_backend.BoundedLocMemCache"
                if CIRCLEWISE_FAST_PATHS
                else "django.core.cache.backends.locmem.LocMemCache"
            ),
            "OPTIONS": {
                "MAX_ENTRIES": 1_000_000,
                "MAX_BYTES": int(float(os.environ.get("CACHE_MAX_MB", "64")) * 1024 * 1024),
            },
        }
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Sessions read from the cache, written through to the database: one query fewer on every
# signed-in request. Only with a shared cache: with one in-memory cache per process, signing out
# in one process would leave the session alive in the others' memory.
_SESSIONS = (
    "circlewise.core.perf.sessions" if CIRCLEWISE_FAST_PATHS else "django.contrib.sessions.backends"
)
SESSION_ENGINE = os.environ.get(
    "SESSION_ENGINE", f"{_SESSIONS}.cached_db" if REDIS_URL else f"{_SESSIONS}.db"
)

TASKS = {
    "default": {
        "BACKEND": (
            "django.tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend"
        )
    }
}
# The scheduler (`manage.py crontask`, one process beside the worker) enqueues the periodic tasks
# at their times. With Redis it holds a lock there, so that a second scheduler started by mistake
# waits instead of enqueueing everything twice (which would be harmless, only wasteful).
CRONTASK = {"REDIS_URL": REDIS_URL or None}
# When the reminders go out (cron syntax, in TIME_ZONE): hourly, at seven minutes past.
REMINDERS_SCHEDULE = os.environ.get("REMINDERS_SCHEDULE", "7 * * * *")
# Digests: the daily one every morning, the weekly one on Monday mornings (in TIME_ZONE).
DIGEST_DAILY_SCHEDULE = os.environ.get("DIGEST_DAILY_SCHEDULE", "0 6 * * *")
DIGEST_WEEKLY_SCHEDULE = os.environ.get("DIGEST_WEEKLY_SCHEDULE", "30 6 * * mon")
# Emails recorded but never tried (their task lost) are queued again (notifications/services.py).
EMAILS_REQUEUE_SCHEDULE = os.environ.get("EMAILS_REQUEUE_SCHEDULE", "*/10 * * * *")
# Every few minutes: remind before an asynchronous step's end, ask the facilitator once it passed.
STEPS_SCHEDULE = os.environ.get("STEPS_SCHEDULE", "*/5 * * * *")
# Daily: a repeating meeting's next meetings are made twelve weeks ahead (meetings/tasks.py).
MEETINGS_SCHEDULE = os.environ.get("MEETINGS_SCHEDULE", "17 3 * * *")
# Daily: action items' owners reminded before the due date, and once after (meetings/tasks.py).
ACTIONS_SCHEDULE = os.environ.get("ACTIONS_SCHEDULE", "37 6 * * *")
# Every quarter of an hour: minutes whose time to object has passed are approved by lazy consent.
MINUTES_SCHEDULE = os.environ.get("MINUTES_SCHEDULE", "*/15 * * * *")
# Hourly: the agenda of each meeting starting in the next day goes to its circle's members.
AGENDAS_SCHEDULE = os.environ.get("AGENDAS_SCHEDULE", "5 * * * *")
# How long before a step's end those who have not acted yet are reminded, once.
STEP_REMINDER_HOURS = int(os.environ.get("STEP_REMINDER_HOURS", "24"))
# Finished task results older than this are pruned daily.
TASK_RESULTS_KEEP_DAYS = int(os.environ.get("TASK_RESULTS_KEEP_DAYS", "30"))

AUTHENTICATION_BACKENDS = [
    "circlewise.accounts.backends.ModelBackend",
    "circlewise.accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# django-allauth: email and password; accounts are made through invitations.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "circlewise.accounts.adapter.AccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_RATE_LIMITS = False if TESTING else {"login_failed": "10/m/ip,5/5m/key"}
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

# Outgoing mail (password resets, invitations, notifications): the console in development, SMTP
# in production. Notification emails are sent by the task worker, outside any request, so their
# links need SITE_URL (`make demo` sets it to the address it serves).
if PRODUCTION or os.environ.get("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("EMAIL_HOST", "localhost"),
                "port": int(os.environ.get("EMAIL_PORT", "25")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS"),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Circlewise <circlewise@localhost>")
# Replies by email (notifications/replies.py): the domain of the reply addresses, which the mail
# server hands to `manage.py receive_mail` (README, "Replies by email"); by default the domain of
# DEFAULT_FROM_EMAIL. MAIL_SPOOL keeps what the receiver accepted until it is taken.
REPLY_DOMAIN = os.environ.get("REPLY_DOMAIN", "")
MAIL_SPOOL = os.environ.get("MAIL_SPOOL", str(BASE_DIR / "var" / "mail"))

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "circlewise" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    # WhiteNoise warns about a missing STATIC_ROOT even when it serves from the finders.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Security headers: always on; the cookie and HSTS settings only where HTTPS is certain.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers probe liveness over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^-/ping/$"]
    LANGUAGE_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Circlewise's own settings.
INVITATION_DAYS = int(os.environ.get("INVITATION_DAYS", "14"))
TERM_WARNING_DAYS = 30
# How many days before a term ends it goes on its circle's backlog, and the secretary, the holder
# and the circle are told (once at each): "60,30" by default.
TERM_NOTICE_DAYS = [
    int(d) for d in os.environ.get("TERM_NOTICE_DAYS", "60,30").split(",") if d.strip().isdigit()
]
API_PAGE_SIZE = 50
