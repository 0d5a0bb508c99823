"""Test settings: the real local PostgreSQL and Redis, as CI has them."""

import os
import tempfile

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gpleadership")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")

from .settings import *  # noqa: E402,F403
from .settings import CACHES, DATABASES  # noqa: E402

# Separate test databases let several checkouts (or agents) run the suite at once on one server.
DATABASES["default"]["TEST"] = {"NAME": "test_gpleadership" + os.environ.get("TEST_DB_SUFFIX", "")}

# Clearing Django's Redis cache flushes the whole Redis database, so each xdist worker (and each checkout
# that sets TEST_REDIS_DB_OFFSET) uses a database of its own.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
_redis_db = int(os.environ.get("TEST_REDIS_DB_OFFSET", "0")) + (int(_worker[2:]) + 1 if _worker.startswith("gw") else 0)
# TEST_REDIS_PORT lets a further checkout use a Redis server of its own when one server's 16 databases are taken.
CACHES["default"]["LOCATION"] = f"redis://127.0.0.1:{os.environ.get('TEST_REDIS_PORT', '6379')}/{_redis_db}"
CACHES["default"]["KEY_PREFIX"] = "gpl-test"
CELERY_TASK_ALWAYS_EAGER = True  # tests that need the real worker start one on Redis themselves
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Tests send what the outbox holds by calling the sweep (the `deliver` fixture); nothing to wait for.
OUTBOX_SWEEP_GRACE_SECONDS = 0
# Papers go to a temporary folder, never the checkout's papers/; tests that look at the files set their own.
STORAGES["papers"]["OPTIONS"]["location"] = tempfile.mkdtemp(prefix="gpl-papers-")  # noqa: F405
