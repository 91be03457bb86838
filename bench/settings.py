"""Settings for the benchmark: the site's own settings, production-shaped, on a database of
its own. `bench/__main__.py` sets the environment (scale, secret key) before Django loads this,
and gunicorn's workers inherit it, so every process of a run sees the same database and key.
"""

import os
from pathlib import Path

import environ

os.environ.setdefault("DJANGO_DEBUG", "0")  # production-shaped: no query log, cached templates
if "DJANGO_SECRET_KEY" not in os.environ:
    raise environ.ImproperlyConfigured("Run the benchmark through `python -m bench`.")

from bench.database import bench_database
from config.settings import *  # noqa: F403
from config.settings import BASE_DIR, CACHES, DATABASES, REST_FRAMEWORK, STORAGES

SCALE = os.environ.get("PLAUDIT_BENCH_SCALE", "1")
BENCH_DIR = Path(os.environ.get("PLAUDIT_BENCH_DIR", BASE_DIR / "var" / "bench"))


DATABASES = {"default": bench_database(DATABASES["default"], SCALE, BENCH_DIR)}
# A Redis cache (REDIS_URL) is shared with the site: the benchmark keeps to keys of its own,
# new for each run (so a run starts from a cold cache, as with the local-memory one, and never
# meets what an earlier seed left, even after --reseed). Redis's LRU policy evicts them.
if "KEY_PREFIX" in CACHES["default"]:
    RUN = os.environ.get("PLAUDIT_BENCH_RUN", "")
    CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": f"plaudit-bench-{SCALE}-{RUN}"}}
ROOT_URLCONF = "bench.urls"

# Served over plain HTTP on 127.0.0.1, by the test client and by gunicorn.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STATIC_ROOT = BENCH_DIR / "static"
# The manifest (hashed names), as in production, without compressing every file at each run:
# compression happens once at deploy time and does not change a page's server time.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
# One reader per role makes every request of the load test: the API's per-user throttle still
# runs (its cache reads and writes are part of a request's cost) but never refuses them.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
        "user": "1000000/minute",
    },
}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # Every thank-you of the load test sends its confirmation through a task: two lines each.
    "loggers": {"django.tasks": {"level": "WARNING"}},
}
