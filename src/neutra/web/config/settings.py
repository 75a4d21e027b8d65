"""Django settings, read only from environment variables (DESIGN.md §4).

Every value comes through the helpers of `neutra.web.config.env`, which fail
loudly. It must never read a configuration file, and never start a server
that is not debug-mode without a real SECRET_KEY.

Variables:
    NEUTRA_HOME      where state lives (default ~/.neutra); the SQLite file is there
    DATABASE_URL     e.g. postgres://user:password@host:5432/name (default: SQLite)
    SECRET_KEY       required unless NEUTRA_DEBUG=1
    NEUTRA_DEBUG     1 on a development machine only (default 0)
    ALLOWED_HOSTS    comma-separated (default 127.0.0.1,localhost)
    CSRF_TRUSTED_ORIGINS  comma-separated origins such as https://neutra.example.com
    NEUTRA_SECURE_COOKIES  session and CSRF cookies only over HTTPS (default: on unless debug)
    NEUTRA_HSTS_SECONDS    Strict-Transport-Security max-age (default: one year unless debug)
    NEUTRA_SSL_REDIRECT    redirect HTTP to HTTPS (default 0: a proxy usually does it)
    NEUTRA_BEHIND_TLS_PROXY  trust X-Forwarded-Proto from a proxy that sets it (default 0)
    NEUTRA_DB_CONN_MAX_AGE seconds a PostgreSQL connection is kept open (default 60)
    NEUTRA_LOGIN_FAILURES_PER_USERNAME  failed log-ins for one username per window (default 5)
    NEUTRA_LOGIN_FAILURES_PER_ADDRESS   failed log-ins from one client address per window (default 20)
    NEUTRA_LOGIN_WINDOW_SECONDS         the throttling window (default 900: 15 minutes)
    NEUTRA_TRUSTED_PROXIES  comma-separated IP addresses or CIDR networks of the reverse
                        proxies in front of the server (default: none). Only a request
                        whose direct peer is one of them is throttled by the right-most
                        address of X-Forwarded-For that is not a trusted proxy; any other
                        request by its REMOTE_ADDR (a client can write X-Forwarded-For)
    NEUTRA_TASKS        where background tasks run: "database" (default; a worker process,
                        `neutra worker`, started by `neutra serve`) or "immediate" (inside
                        the request, for tests and scripts)
    NEUTRA_MAX_UPLOAD_MB  largest activity file accepted (default 200)
    NEUTRA_MAX_AUDITOR_DAYS  the longest an auditor's access may last (default 365)
    NEUTRA_EMAIL        how mail (password-reset and invitation links) leaves: "console" (default: printed
                        to the server's output) or "smtp", with EMAIL_HOST, EMAIL_PORT
                        (default 587), EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS
                        (default 1) and NEUTRA_EMAIL_FROM (default neutra@localhost)

The cache (log-in throttle counts) is a table of the app database,
`neutra_cache`, so that every worker process and machine counts the same
failures; `neutra serve` creates it after migrating (`createcachetable`).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from neutra.extras import Extra, MissingExtraError, require
from neutra.settings import neutra_home
from neutra.web.config.env import env_bool, env_int, env_list, env_networks, env_str

WEB_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("NEUTRA_DEBUG", False)
NEUTRA_HOME = neutra_home()

_secret_key = env_str("SECRET_KEY")
if _secret_key is None:
    if not DEBUG:
        raise ImproperlyConfigured(
            "environment variable SECRET_KEY is not set: set it to a long random string, e.g. "
            "the output of `python -c 'import secrets; print(secrets.token_urlsafe(50))'`, "
            "or set NEUTRA_DEBUG=1 on a development machine"
        )
    warnings.warn(
        "NEUTRA_DEBUG=1 and no SECRET_KEY: using a fixed development key. "
        "Never serve anyone but yourself like this.",
        stacklevel=1,
    )
    _secret_key = "neutra-development-key-known-to-everyone-never-use-it-on-a-server"
SECRET_KEY = _secret_key

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",  # serves the OpenAPI docs' scripts itself, so no CDN and a strict CSP
    "django_htmx",  # ships htmx itself: no CDN, a strict CSP
    "django_tasks",
    "django_tasks_db",
    "neutra.web.tenancy",
    "neutra.web.accounts",
    "neutra.web.inventories",
    "neutra.web.jobs",
    "neutra.web.activities",
    "neutra.web.instruments",
    "neutra.web.calculations",
    "neutra.web.workflow",
    "neutra.web.dashboards",
    "neutra.web.credits",
    "neutra.web.strategy",
    "neutra.web.claims",
]

MIDDLEWARE = [
    # First: what a proxy says about the request counts only from our proxies.
    "neutra.web.config.middleware.UntrustedProxyHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "neutra.web.config.middleware.RejectUnreadableInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "neutra.web.config.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "neutra.web.config.urls"
WSGI_APPLICATION = "neutra.web.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [WEB_DIR / "templates"],
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


def _database() -> dict[str, Any]:
    url = env_str("DATABASE_URL")
    if url is None:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": NEUTRA_HOME / "neutra.sqlite3",
            "OPTIONS": {
                # Take the write lock when a transaction starts, not at its first
                # write: two requests upgrading read locks at once would
                # otherwise fail with "database is locked" instead of waiting.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    try:
        config = dj_database_url.parse(
            url, conn_max_age=env_int("NEUTRA_DB_CONN_MAX_AGE", 60, minimum=0)
        )
    except ValueError as error:  # unknown scheme or malformed URL
        # The URL holds a password: name the variable and the reason, not the value.
        raise ImproperlyConfigured(
            f"environment variable DATABASE_URL cannot be used: {error}"
        ) from None
    if not config.get("ENGINE"):
        raise ImproperlyConfigured(
            "environment variable DATABASE_URL has no database scheme (postgres://...)"
        )
    if "postgresql" in config["ENGINE"]:
        try:
            require(Extra.POSTGRES)  # Django's own error names no way to install the driver
        except MissingExtraError as error:
            raise ImproperlyConfigured(str(error)) from None
    config["CONN_HEALTH_CHECKS"] = True
    return dict(config)


DATABASES = {"default": _database()}

# Long work (uploads, calculations) runs as django-tasks tasks; the database
# backend queues them in the app database for the worker (`neutra worker`).
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
_tasks = env_str("NEUTRA_TASKS") or "database"
if _tasks not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"environment variable NEUTRA_TASKS is {_tasks!r}: use one of {', '.join(_TASK_BACKENDS)}"
    )
TASKS: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": _TASK_BACKENDS[_tasks], "QUEUES": ["default"]}
}

# Activity files are read from a temporary file, never held whole in memory.
NEUTRA_MAX_UPLOAD_BYTES = env_int("NEUTRA_MAX_UPLOAD_MB", 200, minimum=1) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024  # form fields other than files
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads go to a temporary file
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# An auditor's access ends; this is the furthest end date a grant may set.
NEUTRA_MAX_AUDITOR_DAYS = env_int("NEUTRA_MAX_AUDITOR_DAYS", 365, minimum=1)

# Argon2 first: new and re-saved passwords use it; the others only verify old hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Mail: password-reset links. Printed to the server's output unless SMTP is configured.
_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}
_email = env_str("NEUTRA_EMAIL") or "console"
if _email not in _EMAIL_BACKENDS:
    raise ImproperlyConfigured(
        f"environment variable NEUTRA_EMAIL is {_email!r}: use one of {', '.join(_EMAIL_BACKENDS)}"
    )
EMAIL_BACKEND = _EMAIL_BACKENDS[_email]
if _email == "smtp":
    _host = env_str("EMAIL_HOST")
    if not _host:
        raise ImproperlyConfigured("NEUTRA_EMAIL=smtp needs environment variable EMAIL_HOST")
    EMAIL_HOST = _host
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER") or ""
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD") or ""
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = env_str("NEUTRA_EMAIL_FROM") or "neutra@localhost"

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "accounts:login"
# Log-in throttling (neutra.web.accounts.services): after this many failures
# for one username, or from one client address, within the window, further
# attempts get HTTP 429 until the window (counted from the first failure) ends.
NEUTRA_LOGIN_FAILURES_PER_USERNAME = env_int("NEUTRA_LOGIN_FAILURES_PER_USERNAME", 5, minimum=1)
NEUTRA_LOGIN_FAILURES_PER_ADDRESS = env_int("NEUTRA_LOGIN_FAILURES_PER_ADDRESS", 20, minimum=1)
NEUTRA_LOGIN_WINDOW_SECONDS = env_int("NEUTRA_LOGIN_WINDOW_SECONDS", 900, minimum=1)
# Reverse proxies whose X-Forwarded-For names the client (neutra.web.accounts.addresses).
NEUTRA_TRUSTED_PROXIES = env_networks("NEUTRA_TRUSTED_PROXIES")
# One cache for every worker process: a per-process cache would give each
# process its own failure counts, multiplying the log-in limits by the
# number of processes. The app database is the store they all share.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "neutra_cache",
    }
}

# Security headers and cookies. Cookies are HTTPS-only and HSTS is on unless in
# debug mode; a deployment on plain HTTP inside a private network can turn them
# off explicitly, never by accident.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env_bool("NEUTRA_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env_int("NEUTRA_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_SSL_REDIRECT = env_bool("NEUTRA_SSL_REDIRECT", False)
if env_bool("NEUTRA_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

# Logging: one handler, on standard error, for every logger (Django's request warnings,
# waitress, Neutra's own), so each message is written exactly once, in debug mode or not.
# Django's own handlers (a debug-only console, mail to admins, which are none) are
# replaced: its loggers pass their messages up to this one.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        "neutra": {"handlers": [], "level": "INFO", "propagate": True},
    },
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = NEUTRA_HOME / "static"  # filled by `neutra serve` (collectstatic)
STATICFILES_DIRS = [WEB_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# In debug mode serve straight from the apps' folders, so no collectstatic is needed.
WHITENOISE_USE_FINDERS = DEBUG
