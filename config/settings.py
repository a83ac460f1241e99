"""Settings for the conflict incident tracker, read from the environment.

Every deployment-specific value comes from an environment variable (see
.env.example); the defaults are safe for local development only, and DEBUG is
off unless set.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name: str, default: str = "") -> list[str]:
    items = os.environ.get(name, default).split(",")
    return [item.strip() for item in items if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be a whole number, not {value!r}"
        ) from None


DEBUG = env_bool("DEBUG")
# Development and tests only: production sets SECRET_KEY, and
# `manage.py check --deploy` flags this placeholder if it does not.
SECRET_KEY = os.environ.get("SECRET_KEY") or "django-insecure-local-development-only"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "config.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "simple_history",
    "axes",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "leaflet",
    "django_tasks_db",
    "incidents",
    "sources",
    "casualties",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "core.middleware.RefuseBadInput",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "django.template.context_processors.csp",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers take SQLite's one write lock when their transaction begins, so
    # two concurrent writes queue instead of failing halfway ("database is
    # locked"); this is how the tally engine's tree locks work on SQLite.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    # The list's index carries two columns for PostgreSQL's index-only scans
    # (Incident.Meta); SQLite builds it without them, which is all it needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles a query when its estimated cost is high, which
    # an inflated estimate makes it do for the short queries of a page: it
    # took 1.2 s of the dashboard's 2 s and 1.65 s of a list's last page at
    # 100,000 incidents (issue 11). These queries are short; compiling never
    # pays for them. Parallel workers do not pay either: starting them took
    # longer than the bounded count of `tallies/?top_level=true` they joined
    # (p50 83-100 ms with them, 47-50 without, in-process at 400,000
    # incidents), and on a server they take the cores other requests wait for.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        "-c jit=off -c max_parallel_workers_per_gather=0"
    )
    # Django's cursors bind parameters on the client and never prepare; the
    # few queries run through a server-binding cursor (incidents.api.listing)
    # are prepared on their fifth run, as psycopg does by default.
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

# django-axes counts failed logins (web form, admin, anything that calls
# authenticate()) and locks out an account, and separately an address, after
# AXES_FAILURE_LIMIT failures until AXES_COOLOFF_MINUTES pass or an admin
# deletes the attempts (admin "Access attempts", or `manage.py axes_reset`).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "core.auth.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # lockouts are still logged; not every login

SIMPLE_HISTORY_REVERT_DISABLED = True  # history is read, never restored

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "incidents:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Uploaded import files, read by the background task (with several hosts,
# a storage they share).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"
# The largest file the web import takes (UCDP GED's whole file is ~250 MB).
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 400 * 1024 * 1024)

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # From the npm registry (package.json, `make` runs `npm ci`): Natural
    # Earth's country outlines and the code that reads them, for the map.
    ("world-atlas", BASE_DIR / "node_modules" / "world-atlas"),
    ("topojson-client", BASE_DIR / "node_modules" / "topojson-client" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Anonymous visitors see only the login page unless a deployment opts in.
PUBLIC_READ = env_bool("PUBLIC_READ")

REST_FRAMEWORK = {
    # Token first: DRF takes the 401 challenge (WWW-Authenticate: Token) from the
    # first class, so a missing or bad token gets 401 rather than 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["config.api.RolePermission"],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    # `ordering` is a filter of each FilterSet (core.filters), one mechanism
    # for the API and the pages.
    "DEFAULT_FILTER_BACKENDS": ["core.filters.StrictFilterBackend"],
    "DEFAULT_PARSER_CLASSES": ["config.api.JSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "config.api.ContentNegotiation",
    "DEFAULT_RENDERER_CLASSES": [
        "config.api.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    # Per address for anonymous readers (PUBLIC_READ), per account otherwise;
    # counted in the cache (CACHES), so all workers share the count when it is
    # Redis. DRF's throttles, counting instead of listing (core/throttles.py).
    "DEFAULT_THROTTLE_CLASSES": [
        "core.throttles.AnonRateThrottle",
        "core.throttles.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "120/min"),
        "user": os.environ.get("API_THROTTLE_USER", "1200/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Conflict incident tracker API",
    "DESCRIPTION": (
        "Incidents, the casualty figures each party claims about them, and the "
        "tallies reconciled from those claims."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["config.api.ReaderPermission"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and Redoc come from drf-spectacular-sidecar: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The errors of the shared machinery (401, 403, 404, 400, 415), documented
    # once for every operation; the schema fuzz holds the API to them.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.openapi.document_error_responses",
        "config.openapi.require_version_on_updates",
    ],
    # One name per choice set that several fields (or models) share.
    "ENUM_NAME_OVERRIDES": {
        "IncidentStatusEnum": "incidents.models.Incident.Status",
        "LocationPrecisionEnum": "incidents.models.Incident.LocationPrecision",
        "TallyStatusEnum": "casualties.models.Tally.Status",
    },
}

# Production hardening; each can be relaxed from the environment for local HTTP.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy on every response (Django's own middleware). Scripts
# only from this site, or inline with the response's nonce: an injected
# <script> or on* attribute does not run. Styles may be inline because htmx,
# Leaflet and the API docs set them at run time; nothing is loaded from
# another host.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "worker-src": [CSP.SELF, "blob:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Background tasks (Django's tasks framework): the web import runs in one.
# The default keeps them in the database, run by `manage.py db_worker` (make
# run starts one); TASKS_BACKEND=rq queues them in Redis (REDIS_URL) for
# `manage.py rqworker --job-class django_tasks_rq.Job` instead, a settings
# change and nothing else.
TASK_BACKENDS = {
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    "rq": {"BACKEND": "django_tasks_rq.RQBackend"},
    "immediate": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"},
}
TASKS = {"default": TASK_BACKENDS[os.environ.get("TASKS_BACKEND", "database")]}
RQ_QUEUES = {
    "default": {"URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")}
}
if os.environ.get("TASKS_BACKEND") == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]

# Redis when REDIS_URL is set (shared by every worker: API throttles count
# across them); otherwise each process's memory.
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
        if os.environ.get("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django-axes logs every login at INFO; lockouts are warnings.
    "loggers": {"axes": {"level": "WARNING"}},
}

# No tile server is reachable from where the tracker runs, so the map has no
# raster base layer: incidents are drawn on a plain background.
LEAFLET_CONFIG = {
    "TILES": [],
    "DEFAULT_CENTER": (20.0, 40.0),
    "DEFAULT_ZOOM": 2,
    "MIN_ZOOM": 1,
    "MAX_ZOOM": 14,
    "RESET_VIEW": False,
}
