"""Test settings: the real local PostgreSQL and Redis, as CI has them."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gpleadership")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")

from .settings import *  # noqa: E402,F403
from .settings import CACHES, DATABASES  # noqa: E402

# Separate test databases let several checkouts (or agents) run the suite at once on one server.
DATABASES["default"]["TEST"] = {"NAME": "test_gpleadership" + os.environ.get("TEST_DB_SUFFIX", "")}

# Each xdist worker gets its own cache keys so clearing the cache in one test does not touch another worker's.
CACHES["default"]["KEY_PREFIX"] = "gpl-test-" + os.environ.get("PYTEST_XDIST_WORKER", "main")
CELERY_TASK_ALWAYS_EAGER = True  # tests that need the real worker start one on Redis themselves
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
