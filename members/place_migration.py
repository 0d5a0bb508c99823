"""Moving a one-place portal's records into their place (the migrations named "places" call these).

Before places owned their group, every seat, role, decision, exercise, forum, request and meeting was the one
group's. Each is given the place it plainly belongs to: the place of its organisation where it names one (a seat,
an invitation, a forum's host), otherwise the portal's first place (the one it was set up for). A portal that had
records but no place yet gets one, "Our place", to be renamed by an administrator. Their history rows get the same
place as the record, so the record's past reads as it did.
"""

from django.db.models import OuterRef, Subquery


def first_place(apps):
    Place = apps.get_model("members", "Place")
    place = Place.objects.order_by("pk").first()
    if place is None:
        place = Place.objects.create(name="Our place", slug="our-place")
    return place


def fill(apps, app_label: str, model_name: str, *, via: str | None = None):
    """Give every row of the model with no place its place: through the `via` organisation where it has one, else
    the first place. Then the same for its history rows, from the live row."""
    model = apps.get_model(app_label, model_name)
    waiting = model.objects.filter(place__isnull=True)
    if waiting.exists():
        if via:
            Organisation = apps.get_model("members", "Organisation")
            waiting.filter(**{f"{via}__isnull": False}).update(
                place=Subquery(Organisation.objects.filter(pk=OuterRef(f"{via}_id")).values("place_id")[:1])
            )
        if waiting.exists():
            waiting.update(place=first_place(apps))
    history = apps.get_model(app_label, f"Historical{model_name}")
    history.objects.filter(place__isnull=True).update(
        place=Subquery(model.objects.filter(pk=OuterRef("id")).values("place_id")[:1])
    )


def filler(app_label: str, models: dict):
    """A RunPython function that fills `models` ({model name: organisation field or None}) of one app."""

    def run(apps, schema_editor):
        for model_name, via in models.items():
            fill(apps, app_label, model_name, via=via)

    return run


def fill_outbox(apps, schema_editor):
    """Emails about the group's business (not sign-in and account emails) belong to the first place, so that its
    dashboard still shows the ones that could not be sent."""
    OutboxEmail = apps.get_model("members", "OutboxEmail")
    about_the_group = OutboxEmail.objects.filter(place__isnull=True).exclude(kind="members.prepared")
    if about_the_group.exists():
        about_the_group.update(place=first_place(apps))
