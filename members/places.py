"""The one rule that keeps each place's business inside it.

A place owns its leadership group: nearly every record belongs to one place, directly (a `place` field) or through
its parent (a round through its decision item). Every such model names that path in `PLACE_PATH` and uses the
place-scoped manager below, so every query of it (views, getters, selectors, related managers, form choices, the
digest, reminders, CSV exports, the dashboard) sees only the places of the scope that is active:

- a request to `/<place-slug>/…` runs in that place (members.middleware.PlaceMiddleware);
- a request to any other address (the place chooser, sign-in) runs in no place: scoped models are empty there;
- background work and emails run `using(place)` for each place in turn;
- the ICS leaders' page reads `across(places)` of its system, on purpose;
- code that is outside any scope (the admin, management commands, migrations, the shell) sees every place.

A model whose rows may also belong to a whole ICS (an ICS-level forum, with no place) names that path in `ICS_PATH`:
such rows are seen in every place of that ICS.

The scope is per thread (like Django's active language and script prefix), and `using` also sets the script prefix
so that every reverse(), {% url %} and redirect() made inside it names the place: `/<place-slug>/decisions/`.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps

from asgiref.local import Local
from django.db import models
from django.db.models import Q
from django.urls import get_script_prefix, set_script_prefix

_state = Local()

# First path segments that are the portal's own and so can never be a place's slug.
RESERVED_SLUGS = frozenset({
    "about", "account", "accounts", "admin", "calendar", "dashboard", "decisions", "digest", "directory", "group",
    "ics", "interests", "invitations", "media", "organisations", "places", "priorities", "representation", "static",
})


@dataclass(frozen=True)
class Scope:
    place_ids: frozenset
    ics_ids: frozenset
    place: object = None  # the one place when the scope is a single place, for links and new records


NOWHERE = Scope(frozenset(), frozenset())


def current_scope() -> Scope | None:
    """The active scope, or None outside any (everything is visible)."""
    return getattr(_state, "scope", None)


def current_place():
    """The one place being worked in, or None (no place, or several)."""
    scope = current_scope()
    return scope.place if scope else None


@contextmanager
def _activate(scope: Scope | None, script_prefix: str | None = None):
    previous_scope, previous_prefix = current_scope(), get_script_prefix()
    _state.scope = scope
    if script_prefix is not None:
        set_script_prefix(script_prefix)
    try:
        yield scope
    finally:
        _state.scope = previous_scope
        if script_prefix is not None:
            set_script_prefix(previous_prefix)


def carried(chunks):
    """A streamed response's body, read in the scope (and with the links) of the view that made it: the server
    reads a StreamingHttpResponse after the view has returned and the place middleware has left the place."""
    scope, prefix = current_scope(), get_script_prefix()

    def read():
        iterator = iter(chunks)
        while True:
            with _activate(scope, prefix):
                try:
                    chunk = next(iterator)
                except StopIteration:
                    return
            yield chunk

    return read()


def place_prefix(place, base: str = "/") -> str:
    return f"{base.rstrip('/')}/{place.slug}/"


def using(place, *, base_prefix: str = "/"):
    """Work in one place: its records only, and links that name it."""
    scope = Scope(frozenset({place.pk}), frozenset({place.ics_id}) if place.ics_id else frozenset(), place)
    return _activate(scope, place_prefix(place, base_prefix))


def standing_in(place_id: int, ics_id: int | None = None):
    """A scope of one place known only by its id (and its ICS's, if it has one), for compiling a query once for
    every place (members.prepared): links are not tied to it, and new records do not belong to it."""
    return _activate(Scope(frozenset({place_id}), frozenset({ics_id}) if ics_id is not None else frozenset()))


def across(places):
    """Read several places at once (the ICS leaders' page); links are not tied to any one of them."""
    places = list(places)
    return _activate(Scope(frozenset(p.pk for p in places), frozenset(p.ics_id for p in places if p.ics_id)))


def nowhere(*, script_prefix: str | None = None):
    """No place: scoped models are empty (a page that is not about a place)."""
    return _activate(NOWHERE, script_prefix)


def unscoped(*, script_prefix: str | None = None):
    """Every place: for trusted code that works across places on purpose (the admin, the place chooser)."""
    return _activate(None, script_prefix)


def place_q(model, scope: Scope) -> Q:
    """The rows of `model` that belong to the scope's places (or to the ICS of one of them, for ICS-level rows)."""
    path = model.PLACE_PATH
    # By the key column, and `=` for one place: every query of every page pays for building this condition.
    q = Q(**{f"{path}_id": next(iter(scope.place_ids))}) if len(scope.place_ids) == 1 else Q(
        **{f"{path}_id__in": scope.place_ids})
    ics_path = getattr(model, "ICS_PATH", None)
    if ics_path and scope.ics_ids:
        q |= Q(**{f"{path}__isnull": True, f"{ics_path}_id__in": scope.ics_ids})
    return q


def restrict(queryset):
    scope = current_scope()
    if scope is None:
        return queryset
    if not scope.place_ids:
        return queryset.none()
    return queryset.filter(place_q(queryset.model, scope))


class PlaceScopedManager(models.Manager):
    """The default manager of every place-owned model: it sees the active scope's places only."""

    def get_queryset(self):
        return restrict(super().get_queryset())


def scoped_manager(queryset_class=models.QuerySet):
    return PlaceScopedManager.from_queryset(queryset_class)()


class PlaceOwned(models.Model):
    """A model with its own `place` field: a new row made inside a place belongs to it unless told otherwise."""

    PLACE_PATH = "place"

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.place_id is None and getattr(self, "ics_id", None) is None:
            place = current_place()
            if place is not None:
                self.place = place
        super().save(*args, **kwargs)


def each_place(work):
    """Run `work()` once in every place (background jobs); returns {place slug: what it returned}."""
    from .models import Place

    with unscoped():
        all_places = list(Place.objects.select_related("ics").order_by("pk"))
    results = {}
    for place in all_places:
        with using(place):
            results[place.slug] = work()
    return results


def every_place(function):
    """Decorate work that is about every place at once (the ODS import): it runs unscoped wherever it is called."""

    @wraps(function)
    def run(*args, **kwargs):
        with unscoped():
            return function(*args, **kwargs)

    return run
