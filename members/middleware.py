"""The place is in the address: `/<place-slug>/decisions/12/` works in that place (members.places)."""

from urllib.parse import quote

from django.http import HttpResponseRedirect
from django.urls import Resolver404, resolve

from . import places
from .models import Place
from .selectors import places_of

PLACE_URLCONF = "gpleadership.place_urls"


def _split(path: str) -> tuple[str, str]:
    """'/liverpool/decisions/' -> ('liverpool', '/decisions/')."""
    first, _, rest = path.lstrip("/").partition("/")
    return first, "/" + rest


def belongs_to_a_place(path: str) -> bool:
    """Is this address one of a place's pages (which need a place to open)?"""
    try:
        resolve(path, urlconf=PLACE_URLCONF)
    except Resolver404:
        return False
    return True


class PlaceMiddleware:
    """Works out the place from the first part of the address and runs the request in it; a place's page asked
    for without one (an old link, a bookmark from before places) goes to the person's place, or to the chooser
    when they work in several."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The address's own prefix (SCRIPT_NAME), not whatever the thread was left with.
        script_name = request.path[: len(request.path) - len(request.path_info)] + "/"
        slug, rest = _split(request.path_info)
        place = None
        if slug and slug not in places.RESERVED_SLUGS:
            with places.unscoped():
                place = Place.objects.select_related("ics").filter(slug=slug).first()
        request.place = place
        if place is not None:
            request.path_info = rest
            with places.using(place, base_prefix=script_name):
                return self.get_response(request)
        if belongs_to_a_place(request.path_info):
            return self._to_a_place(request, script_name)
        if request.path_info.startswith("/admin/"):
            with places.unscoped(script_prefix=script_name):  # the administrators' own site sees every place
                return self.get_response(request)
        with places.nowhere(script_prefix=script_name):
            return self.get_response(request)

    def _to_a_place(self, request, script_name):
        candidates = places_of(request.user)
        if not candidates:
            with places.unscoped():
                candidates = list(Place.objects.order_by("name")[:2])
        within = request.get_full_path()[len(script_name) - 1:]  # "/decisions/12/?tab=x", without SCRIPT_NAME
        if len(candidates) == 1:
            return HttpResponseRedirect(places.place_prefix(candidates[0], script_name) + within.lstrip("/"))
        return HttpResponseRedirect(f"{script_name}?next={quote(within)}")
