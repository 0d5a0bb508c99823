"""The portal's URLs plus one view that fails, for the 500 page's test."""

from django.urls import path

from gpleadership.urls import urlpatterns as portal_urlpatterns


def broken(request):
    raise RuntimeError("database password is hunter2 at /srv/secret/settings.py")


urlpatterns = [path("broken/", broken), *portal_urlpatterns]
