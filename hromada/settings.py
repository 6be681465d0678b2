"""
Settings for Hromada, read from the environment.

With no environment at all the project runs as the embedded default: SQLite
under ``var/``, database-backed tasks, files on local disk. Production sets
``HROMADA_ENV=production`` plus ``DATABASE_URL``, ``SECRET_KEY``,
``ALLOWED_HOSTS``, ``REDIS_URL``, ``EMAIL_URL`` and the rest (see README.md).
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("HROMADA_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PRODUCTION = os.environ.get("HROMADA_ENV", "development") == "production"
TESTING = env_bool("HROMADA_TESTING", False)
DEBUG = env_bool("DEBUG", not PRODUCTION)

if PRODUCTION:
    SECRET_KEY = os.environ["SECRET_KEY"]
else:
    SECRET_KEY = os.environ.get(
        "SECRET_KEY", "development-only-key-not-for-production-use-0123456789abcdef"
    )

# Keyed hash of the tax number (РНОКПП): a separate key, so rotating the
# session secret never splits one person into two accounts.
IDENTITY_HASH_KEY = os.environ.get("HROMADA_IDENTITY_HASH_KEY", SECRET_KEY)

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,.localhost,testserver"
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Reverse proxies (addresses or networks) whose X-Forwarded-For is believed:
# behind nginx on the same machine, 127.0.0.1. Empty: the peer is the client.
HROMADA_TRUSTED_PROXIES = env_list("HROMADA_TRUSTED_PROXIES")

# Host names of communities are "<slug>.<HROMADA_BASE_DOMAIN>" unless a
# community has a domain of its own.
HROMADA_BASE_DOMAIN = os.environ.get("HROMADA_BASE_DOMAIN", "localhost")
HROMADA_DEFAULT_COMMUNITY = os.environ.get("HROMADA_DEFAULT_COMMUNITY", "chornomorsk")

# Every optional module that is installed (its tables exist); HROMADA_MODULES
# lists the ones switched on. Narrowing the installed list is for development.
HROMADA_ALL_MODULES = env_list(
    "HROMADA_INSTALLED_MODULES",
    "petitions,budget,appeals,cnap,chatbot,training,consultations,schools",
)
HROMADA_MODULES = env_list("HROMADA_MODULES", ",".join(HROMADA_ALL_MODULES))

INSTALLED_APPS = [
    "hromada.core.apps.CoreConfig",
    "hromada.api.apps.ApiConfig",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "hromada.core.thirdparty.TasksDatabaseConfig",  # django_tasks_db, named for people
    "hromada.core.thirdparty.AxesConfig",  # axes, named for people
    "ninja",
    *[f"hromada.{name}" for name in HROMADA_ALL_MODULES],
]

MIDDLEWARE = [
    # Request counts and latencies for /metrics (django-prometheus): first and last.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # One log line per request with its id; before ClientAddressMiddleware, which
    # replaces the peer's address that decides whether X-Request-ID is believed.
    "hromada.core.observability.RequestLogMiddleware",
    "hromada.core.middleware.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Machines' posts leave the chain here for a short lane of it (hromada/core/lanes.py):
    # the platforms' webhooks, Open311 reports, ballots cast with an API token.
    "hromada.core.lanes.LaneMiddleware",
    # Content-Security-Policy on every page (CONTENT_SECURITY_POLICY, below).
    "hromada.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hromada.core.middleware.CommunityMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "hromada.core.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A resident who has not accepted the current privacy notice is asked first.
    "hromada.core.privacy.ConsentMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # Turns django-ratelimit's refusals into the 429 page (RATELIMIT_VIEW).
    "django_ratelimit.middleware.RatelimitMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "hromada.urls"
WSGI_APPLICATION = "hromada.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hromada.core.context_processors.hromada",
            ],
        },
    },
]
# Widgets from Django's templates, the empty choice in words (core/renderers.py).
FORM_RENDERER = "hromada.core.renderers.FormRenderer"

# Database: SQLite in WAL mode by default, anything dj-database-url reads
# otherwise (postgres://… in production).
VAR_DIR.mkdir(parents=True, exist_ok=True)
HROMADA_PGBOUNCER = env_bool("HROMADA_PGBOUNCER", False)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'hromada.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # The same backend, its health check without a statement per request.
        DATABASES["default"]["ENGINE"] = "hromada.core.postgresql"
    # Behind PgBouncer in transaction mode (docs/deploy.md, "Connection
    # pooling") a named cursor could outlive the transaction that opened it
    # on one server connection, so .iterator() reads in chunks client-side.
    if HROMADA_PGBOUNCER:
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.Resident"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "hromada.core.auth.ResidentBackend",
]
# Django's checks in our own words (hromada/core/validators.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "hromada.core.validators.UserAttributeSimilarityValidator"},
    {"NAME": "hromada.core.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "hromada.core.validators.CommonPasswordValidator"},
    {"NAME": "hromada.core.validators.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

# Log-in throttling: lock an account and address pair after five failures.
AXES_FAILURE_LIMIT = int(os.environ.get("HROMADA_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False

# Days a personal API token works; a password change or reset ends it sooner.
HROMADA_API_TOKEN_DAYS = int(os.environ.get("HROMADA_API_TOKEN_DAYS", "90"))

# Cache, sessions and the task queue move to Redis when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "hromada.core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "hromada",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    TASKS = {
        "default": {"BACKEND": "hromada.core.taskqueue.PooledRQBackend", "QUEUES": ["default"]}
    }
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    INSTALLED_APPS += ["django_rq"]
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "hromada",
        }
    }
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
if TESTING:
    # Tests run notifications and other jobs in-line so they can assert them.
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Rate limits (django-ratelimit) count in the default cache.
RATELIMIT_USE_CACHE = "default"
RATELIMIT_VIEW = "hromada.core.views.rate_limited"
RATELIMIT_ENABLE = env_bool("HROMADA_RATELIMIT", True)

LANGUAGE_CODE = "uk"
LANGUAGES = [("uk", _("Ukrainian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "hromada" / "locale"]
TIME_ZONE = "Europe/Kyiv"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Files only the people allowed may see (photos of appeals): outside MEDIA_ROOT,
# so no web server location serves them; views check access and send them.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private-media"))
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Outside production static files come straight from the apps (no collectstatic),
# with or without DEBUG: `make run` serves the product with DEBUG off.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
# Uploads: on the local disk, or with STORAGE_URL in S3-compatible object
# storage, public files under public/ and private ones under private/
# (hromada.core.storage; docs/deploy.md, "Uploaded files").
from hromada.core.storage import file_origins, file_storages  # noqa: E402

STORAGES = {
    **file_storages(os.environ, private_root=PRIVATE_MEDIA_ROOT),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Where pages load files from besides the site itself (CSP img-src).
HROMADA_FILE_ORIGINS = file_origins(STORAGES)
# Private files go out through the view that checks who asks: streamed by
# it (the default), or with this on, as a redirect to a signed address of the
# object store that works for HROMADA_SIGNED_URL_SECONDS.
HROMADA_PRIVATE_FILES_REDIRECT = env_bool("HROMADA_PRIVATE_FILES_REDIRECT", False)
HROMADA_SIGNED_URL_SECONDS = 60
# Uploads: refuse bodies over 10 MB, images over 8 MB each (core.uploads).
# Bodies without files: Django refuses them by their Content-Length.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Bodies with files: refused by their declared length before a byte is read
# (core.uploads.RequestSizeLimitHandler); nginx's client_max_body_size is 12m.
HROMADA_MAX_REQUEST_BYTES = 12 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "hromada.core.uploads.RequestSizeLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
HROMADA_MAX_IMAGE_BYTES = 8 * 1024 * 1024
HROMADA_MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


def _email_settings(url: str) -> dict:
    """Return Django e-mail settings from an ``EMAIL_URL`` such as smtp://u:p@host:587."""
    if not url:
        if TESTING:
            return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(VAR_DIR / "mail"),
        }
    parsed = urlparse(url)
    if parsed.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    options = parse_qs(parsed.query)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parsed.hostname or "localhost",
        "EMAIL_PORT": parsed.port or 25,
        "EMAIL_HOST_USER": unquote(parsed.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
        "EMAIL_USE_TLS": parsed.scheme == "smtp+tls" or "tls" in options,
        "EMAIL_USE_SSL": parsed.scheme == "smtps" or "ssl" in options,
    }


globals().update(_email_settings(os.environ.get("EMAIL_URL", "")))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Hromada <noreply@hromada.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Text messages (core.sms): files in var/sms/ unless SMS_URL names a gateway
# (turbosms://TOKEN@api.turbosms.ua?sender=Name) or console://; tests keep them.
SMS_URL = os.environ.get("SMS_URL", "locmem://" if TESTING else "")
# Delivery of notifications (core.notifications): a row still queued this
# long after it was made goes out through the scheduler's retry, and a send
# that began this long ago belongs to a worker that died. Mail servers get
# far less than the claim to answer, so a slow send is never taken over.
EMAIL_TIMEOUT = 30
HROMADA_NOTIFICATION_RETRY_SECONDS = int(
    os.environ.get("HROMADA_NOTIFICATION_RETRY_SECONDS", "120")
)
HROMADA_NOTIFICATION_CLAIM_SECONDS = int(
    os.environ.get("HROMADA_NOTIFICATION_CLAIM_SECONDS", "300")
)

# Strong identification: ID.GOV.UA's own OAuth 2.0 protocol when its client id
# is set (docs/idgovua.md), else a generic OpenID Connect provider, else off.
IDGOVUA_URL = os.environ.get("HROMADA_IDGOVUA_URL", "https://id.gov.ua")
IDGOVUA_CLIENT_ID = os.environ.get("HROMADA_IDGOVUA_CLIENT_ID", "")
IDGOVUA_CLIENT_SECRET = os.environ.get("HROMADA_IDGOVUA_CLIENT_SECRET", "")
IDGOVUA_AUTH_TYPES = os.environ.get("HROMADA_IDGOVUA_AUTH_TYPES", "dig_sign,bank_id,diia_id")
IDGOVUA_TIMEOUT = float(os.environ.get("HROMADA_IDGOVUA_TIMEOUT", "10"))  # seconds per call
OIDC_ISSUER = os.environ.get("HROMADA_OIDC_ISSUER", "")
OIDC_CLIENT_ID = os.environ.get("HROMADA_OIDC_CLIENT_ID", "")
OIDC_CLIENT_SECRET = os.environ.get("HROMADA_OIDC_CLIENT_SECRET", "")
OIDC_TAX_NUMBER_CLAIM = os.environ.get("HROMADA_OIDC_TAX_NUMBER_CLAIM", "drfocode")

# Security: secure cookies and HSTS whenever the site is not in debug mode.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    # The health checks and the metrics answer plain HTTP from the load
    # balancer and Prometheus inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# Operations (docs/deploy.md, "Monitoring"): who may read /metrics (addresses
# or networks, as ClientAddressMiddleware computes the client's), and the log
# format: "json" writes one JSON object a line for a log collector.
HROMADA_METRICS_ALLOWED = env_list("HROMADA_METRICS_ALLOWED", "127.0.0.1,::1")
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")
# Several gunicorn workers share their counters through files in this folder
# (prometheus_client's multiprocess mode); it is read when the client loads.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)

# Logs carry no personal data: view names and ids only, never paths with
# tokens, query strings or bodies.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "hromada.core.observability.JsonFormatter"},
    },
    "filters": {
        "one_line_client_errors": {"()": "hromada.core.logfilters.OneLineClientErrors"},
        "request_id": {"()": "hromada.core.observability.RequestIdFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["one_line_client_errors", "request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# The API docs page loads its assets from our own static files.
NINJA_PAGINATION_PER_PAGE = 20

# The port shown in links of messages during development (`make run`).
HROMADA_PUBLIC_PORT = "" if PRODUCTION else os.environ.get("PORT", "8000")
CSRF_FAILURE_VIEW = "hromada.core.views.csrf_failure"

# Map tiles for Leaflet. Empty draws maps without a background layer (no
# request leaves the site); a community's own tile server can be set here.
HROMADA_MAP_TILES = os.environ.get(
    "HROMADA_MAP_TILES", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
HROMADA_MAP_ATTRIBUTION = os.environ.get("HROMADA_MAP_ATTRIBUTION", "© OpenStreetMap contributors")


def _origin(url: str, *, setting: str) -> list[str]:
    """
    Return the CSP source (scheme and host) of an outside URL, or nothing.

    A relative URL is the site itself. Leaflet's "{s}" sub-domain placeholder
    becomes CSP's wildcard; a placeholder anywhere else cannot be expressed.
    """
    parsed = urlparse(url)
    if not parsed.netloc:
        return []
    host = parsed.netloc
    if host.startswith("{s}."):
        host = "*" + host[3:]
    if "{" in host:
        raise ImproperlyConfigured(
            f"{setting}: only a leading {{s}} may stand for a part of the host name."
        )
    return [f"{parsed.scheme}://{host}"]


# Content-Security-Policy (django-csp): scripts and styles only from our own
# static files (nothing inline, no eval), images from the site, data: URIs and
# the map tile server; no frames of our pages, no plugins. On in production;
# HROMADA_CSP=1 turns it on elsewhere, tests assign CONTENT_SECURITY_POLICY.
HROMADA_CSP = env_bool("HROMADA_CSP", PRODUCTION)
HROMADA_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [
            SELF,
            "data:",
            *_origin(HROMADA_MAP_TILES, setting="HROMADA_MAP_TILES"),
            *HROMADA_FILE_ORIGINS,
        ],
        "object-src": [NONE],
        "base-uri": [SELF],
        # Identification posts a form that redirects to the OpenID provider
        # or ID.GOV.UA, and browsers hold the redirect of a form to form-action too.
        "form-action": [
            SELF,
            *_origin(OIDC_ISSUER, setting="HROMADA_OIDC_ISSUER"),
            *_origin(IDGOVUA_URL, setting="HROMADA_IDGOVUA_URL"),
        ],
        "frame-ancestors": [NONE],
    }
}
CONTENT_SECURITY_POLICY = HROMADA_CONTENT_SECURITY_POLICY if HROMADA_CSP else None

# Covering indexes (Index.include) serve PostgreSQL; SQLite builds the same
# index without the extra columns, which is what W040 reports.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
