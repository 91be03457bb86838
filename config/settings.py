"""Plaudit's one settings module, driven by environment variables (README lists them all).

With no variable set the site runs locally on SQLite with debug on. Production sets
DJANGO_DEBUG=0 and then `manage.py check --deploy` must be clean.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.utils.csp import CSP

from core.release import code_version

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# Every content cache key carries the release (core/caching.py): a deploy never serves what the
# code before it cached. Set RELEASE from the build when the code is not a git checkout.
RELEASE = env.str("RELEASE", default="") or code_version()
TESTING = env.bool("PLAUDIT_TESTING", default=False)

# A fixed development key is fine while DEBUG is on; production must set its own.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or (
    "django-insecure-plaudit-development-only-key-never-use-in-production-0123456789"
    if DEBUG
    else ""
)
if not SECRET_KEY:
    raise environ.ImproperlyConfigured("Set DJANGO_SECRET_KEY when DJANGO_DEBUG=0.")
# Old keys, comma-separated, still accepted while the key rotates (sessions, signed links,
# helpdesk integration secrets).
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "core",
    "accounts",
    "notifications",
    "awards",
    "nominations",
    "stories",
    "cycles",
    "home",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # allauth's usersessions tracking, without a write on every request (accounts/middleware.py).
    "accounts.middleware.SessionActivityMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.plaudit",
                "notifications.context_processors.bell",
            ],
        },
    },
]

# --- Data ------------------------------------------------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'plaudit.sqlite3'}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the dev server read while a request writes; IMMEDIATE avoids upgrade deadlocks.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
# Persistent connections on both engines: opening one (and, on SQLite, setting its pragmas)
# on every request costs more than many a page's queries.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def redis_cache(location: str) -> dict:
    """The shared cache on Redis. Django's RedisCache, serving without Redis while it cannot be
    reached (core/cache_backends.py; docs/deployment.md, "When Redis is down"). The outage
    tests build theirs with this too."""
    return {
        "BACKEND": "core.cache_backends.RedisCache",
        "LOCATION": location,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="plaudit"),
        "OPTIONS": {
            # A Redis that does not answer costs a fraction of a second, not a TCP timeout of
            # minutes; after a failure the cache stops asking it for a few seconds.
            "socket_connect_timeout": 0.25,
            "socket_timeout": 0.5,
            # Meanwhile the guards of signing in (allauth's limits, the API token's throttle)
            # count in each process's memory rather than not at all.
            "LOCAL_FALLBACK": ["allauth:rl:", "throttle_token_"],
        },
    }


REDIS_URL = env.str("REDIS_URL", default="")
if TESTING and REDIS_URL and env.str("PYTEST_XDIST_WORKER", default=""):
    # Each pytest-xdist worker (gw0, gw1, …) on its own Redis database, counted from the one
    # given: the tests empty the cache between tests, and must not empty another worker's.
    _redis = urlsplit(REDIS_URL)
    _worker = int(env.str("PYTEST_XDIST_WORKER").removeprefix("gw"))
    _database = int(_redis.path.strip("/") or 0) + _worker
    REDIS_URL = _redis._replace(path=f"/{_database}").geturl()
if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL)}
else:
    # One process's memory. Rendered cards and comments are cached fragments: Django's default
    # of 300 entries is less than a few pages' worth, and would cull them all the time.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }

# Sessions live in the database; with a shared Redis, Django also keeps each one there under its
# own key (written through on every save and delete), so reading one costs no query. Not with
# the per-process local-memory cache: another worker would keep a session it never saw ended.
# Django's stores, with the per-request read as plain SQL (accounts/sessions/). The suite keeps
# the database store on both databases so that its query counts are the same with and without
# Redis; tests/accounts/test_request_floor.py covers the cached one.
SESSION_ENGINE = (
    "accounts.sessions.cached_db" if REDIS_URL and not TESTING else "accounts.sessions.db"
)

TASKS_BACKEND = env.str("TASKS_BACKEND", default="immediate")
TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django.tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
        }[TASKS_BACKEND]
    }
}
# A task still RUNNING this long after it started has lost its worker (killed, or its machine
# gone): `manage.py recover_tasks` queues it again, or marks it FAILED once it has been claimed
# TASKS_MAX_ATTEMPTS times. Far longer than any task runs: a mail waits at most the mailer's
# timeout for each step of the SMTP exchange.
TASKS_RUNNING_TIMEOUT = timedelta(minutes=env.int("TASKS_RUNNING_TIMEOUT_MINUTES", default=15))
TASKS_MAX_ATTEMPTS = env.int("TASKS_MAX_ATTEMPTS", default=3)
if TASKS_RUNNING_TIMEOUT.total_seconds() < 60 or TASKS_MAX_ATTEMPTS < 1:
    raise environ.ImproperlyConfigured(
        "TASKS_RUNNING_TIMEOUT_MINUTES and TASKS_MAX_ATTEMPTS must be at least 1."
    )

# --- Accounts --------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's backends, loading the person with their roles (accounts/backends.py).
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Production-strength hashing costs ~0.6 s per user created; the suite creates hundreds.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

ALLOWED_SIGNUP_DOMAINS = [
    d.lower().lstrip("@") for d in env.list("ALLOWED_SIGNUP_DOMAINS", default=[])
]

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapter.SocialAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Plaudit] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, spelt out so that they are visibly on.
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Plaudit"
# Activity (last seen, address, browser) is tracked by accounts.middleware, every few minutes
# rather than on every request: allauth's own middleware is not installed.
USERSESSIONS_TRACK_ACTIVITY = True


def single_sign_on(env: environ.Env) -> dict:
    """The OIDC_* variables as settings; docs/sso.md explains each to IT. The SSO tests build
    their settings with this too, for the provider they start."""
    client_id = env.str("OIDC_CLIENT_ID", default="")
    server_url = env.str("OIDC_SERVER_URL", default="").rstrip("/")
    providers = {}
    if client_id:
        providers["openid_connect"] = {
            "APPS": [
                {
                    "provider_id": env.str("OIDC_PROVIDER_ID", default="sso"),
                    "name": env.str("OIDC_NAME", default="Company single sign-on"),
                    "client_id": client_id,
                    "secret": env.str("OIDC_CLIENT_SECRET", default=""),
                    "settings": {
                        "server_url": server_url,
                        "oauth_pkce_enabled": env.bool("OIDC_PKCE", default=True),
                    },
                }
            ],
            "SCOPE": env.list("OIDC_SCOPES", default=["openid", "profile", "email"]),
            "EMAIL_AUTHENTICATION": True,
            # Never "every address is verified": accounts/sso.py reads the provider's own
            # email_verified claim, and only when OIDC_TRUST_EMAIL is on.
            "VERIFIED_EMAIL": False,
        }
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(server_url)) if server_url else ""
    return {
        "SOCIALACCOUNT_PROVIDERS": providers,
        "OIDC_ENABLED": bool(client_id),
        "OIDC_TRUST_EMAIL": env.bool("OIDC_TRUST_EMAIL", default=True),
        "OIDC_GROUPS_CLAIM": env.str("OIDC_GROUPS_CLAIM", default="groups"),
        "OIDC_HR_GROUPS": env.list("OIDC_HR_GROUPS", default=[]),
        "OIDC_DEPARTMENT_CLAIM": env.str("OIDC_DEPARTMENT_CLAIM", default=""),
        "OIDC_JOB_TITLE_CLAIM": env.str("OIDC_JOB_TITLE_CLAIM", default=""),
        "OIDC_ONLY": bool(client_id) and env.bool("OIDC_ONLY", default=False),
        "OIDC_BREAK_GLASS": [e.lower() for e in env.list("OIDC_BREAK_GLASS", default=[])],
        "OIDC_LOGOUT": env.bool("OIDC_LOGOUT", default=True),
        # Signing in and out are form posts answered by a redirect to the provider: the CSP's
        # form-action must allow its origin, or the browser stays on our page.
        "OIDC_FORM_ACTION": env.list(
            "OIDC_FORM_ACTION", default=[origin] if client_id and origin else []
        ),
    }


_sso = single_sign_on(env)
SOCIALACCOUNT_PROVIDERS = _sso["SOCIALACCOUNT_PROVIDERS"]
OIDC_ENABLED = _sso["OIDC_ENABLED"]
OIDC_TRUST_EMAIL = _sso["OIDC_TRUST_EMAIL"]
OIDC_GROUPS_CLAIM = _sso["OIDC_GROUPS_CLAIM"]
OIDC_HR_GROUPS = _sso["OIDC_HR_GROUPS"]
OIDC_DEPARTMENT_CLAIM = _sso["OIDC_DEPARTMENT_CLAIM"]
OIDC_JOB_TITLE_CLAIM = _sso["OIDC_JOB_TITLE_CLAIM"]
OIDC_ONLY = _sso["OIDC_ONLY"]
OIDC_BREAK_GLASS = _sso["OIDC_BREAK_GLASS"]
OIDC_LOGOUT = _sso["OIDC_LOGOUT"]
OIDC_FORM_ACTION = _sso["OIDC_FORM_ACTION"]
# Password sign-in stays for the break-glass list (accounts/adapter.py): allauth's
# SOCIALACCOUNT_ONLY would close it for everyone.
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True

# --- Mail ------------------------------------------------------------------------------------

DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Plaudit <plaudit@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL


def _mailer() -> dict:
    """EMAIL_URL (smtp://user:pass@host:587, smtp+tls://…, smtp+ssl://…, consolemail://) or
    EMAIL_HOST and friends; with neither, mail is printed on the console in development and
    handed to an SMTP relay on localhost:25 (Django's own default) in production."""
    if url := env.str("EMAIL_URL", default=""):
        cfg = env.email_url_config(url)
    elif env.str("EMAIL_HOST", default=""):
        cfg = {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": env.str("EMAIL_HOST"),
            "EMAIL_PORT": env.int("EMAIL_PORT", default=587),
            "EMAIL_HOST_USER": env.str("EMAIL_HOST_USER", default=""),
            "EMAIL_HOST_PASSWORD": env.str("EMAIL_HOST_PASSWORD", default=""),
            "EMAIL_USE_TLS": env.bool("EMAIL_USE_TLS", default=True),
        }
    elif DEBUG:
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    else:
        return {"BACKEND": "django.core.mail.backends.smtp.EmailBackend"}
    backend = cfg["EMAIL_BACKEND"]
    if not backend.endswith("smtp.EmailBackend"):
        return {"BACKEND": backend}
    options = {
        "host": cfg.get("EMAIL_HOST"),
        "port": cfg.get("EMAIL_PORT"),
        "username": cfg.get("EMAIL_HOST_USER") or None,
        "password": cfg.get("EMAIL_HOST_PASSWORD") or None,
        "use_tls": cfg.get("EMAIL_USE_TLS") or None,
        "use_ssl": cfg.get("EMAIL_USE_SSL") or None,
        "timeout": 20,
    }
    return {"BACKEND": backend, "OPTIONS": {k: v for k, v in options.items() if v is not None}}


MAILERS = {"default": _mailer()}

# --- API -------------------------------------------------------------------------------------

# Reverse proxies in front of the app (load balancer, nginx) that append to X-Forwarded-For:
# rate limits (allauth's and the API's) key on the client address this reveals.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # knox's, noting when each token was last used.
        "accounts.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_ANON_RATE", default="60/minute"),
        "user": env.str("API_USER_RATE", default="1200/minute"),
        "token": env.str("API_TOKEN_RATE", default="10/minute"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Escape non-ASCII in responses: a lone surrogate echoed back in an error message would
    # otherwise make the renderer fail with a 500.
    "UNICODE_JSON": False,
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 50,
    # Without this DRF believes any X-Forwarded-For header, and a client could dodge every
    # throttle by sending a new one with each request.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=90)),
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Plaudit API",
    "DESCRIPTION": "Recognition weighted on customer-awareness evidence. See docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.document_error_responses",
    ],
}

# --- Static, media, i18n ---------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = DEBUG or TESTING
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Security --------------------------------------------------------------------------------

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF, *OIDC_FORM_ACTION],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
if MEDIA_URL.startswith("http"):
    SECURE_CSP["img-src"].append(MEDIA_URL)

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# The salt for hashing IP addresses of anonymous visitors (never stored raw).
IP_HASH_SALT = env.str("IP_HASH_SALT", default=SECRET_KEY)

ANNOUNCE_WEBHOOK_URL = env.str("ANNOUNCE_WEBHOOK_URL", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
