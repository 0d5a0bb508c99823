"""The WSGI entry point a server process loads (gunicorn gpleadership.wsgi)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_server_process_loads_the_views_and_freezes_what_it_loaded():
    """Once loaded, the views are imported and everything loaded is outside the garbage collector's full
    collections (gc.freeze), so they do not walk the whole application under load."""
    script = ("import gc, sys; import gpleadership.wsgi as w; "
              "print(gc.get_freeze_count(), 'decisions.views' in sys.modules, callable(w.application))")
    frozen, views, app = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "gpleadership.settings"}).stdout.split()
    assert int(frozen) > 10_000
    assert (views, app) == ("True", "True")
