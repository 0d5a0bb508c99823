"""The bench's URLs: the portal's own, plus the floor, a trivial signed-in page that goes through the same
middleware (sessions, sign-in, the place) and does nothing else. Only bench/national.py uses this URLconf."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

from gpleadership.urls import urlpatterns as portal


@login_required
def floor(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench-floor/", floor, name="bench_floor"), *portal]
