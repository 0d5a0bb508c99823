import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gpleadership.settings")

application = get_wsgi_application()

# What a server process has loaded by now (settings, apps, models, every view through the URLconf, imported here
# rather than on the first request) lives as long as the process. Frozen, the garbage collector no longer walks it
# on every full collection: at national scale a full collection of those ~130,000 objects took 100–200 ms under
# load and landed in the pages' p95 and p99 (bench/RESULTS.md, session 15). Each gunicorn worker imports this
# module itself, so each freezes its own.
get_resolver().url_patterns  # noqa: B018 - imports the views now
gc.freeze()
