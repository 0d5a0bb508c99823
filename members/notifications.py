"""Telling people when things happen, through the outbox, as each person chose.

Each app registers the kinds of news it sends (`kind`, what it is in words, and who gets it) with `register`, and
calls `notify` when the thing happens, inside the transaction that did it (the outbox sends once it commits). A
person chooses per kind on their account page: an email at once (the default) or only the weekly digest, which
carries the same news. The outbox key names the kind, the thing and the person, so nobody is told twice.
"""

from dataclasses import dataclass

from . import outbox
from .models import NotificationPreference


@dataclass(frozen=True)
class Kind:
    kind: str
    label: str  # what the news is, for the account page: "A decision is published"
    who: str  # who is told, in words: "practices and the group"


KINDS: dict[str, Kind] = {}


def register(kind: str, *, label: str, who: str) -> str:
    KINDS[kind] = Kind(kind, label, who)
    return kind


def at_once(user_ids, kind: str) -> set[int]:
    """Of these people, those who want `kind` by email at once. One query."""
    user_ids = set(user_ids)
    digest_only = set(NotificationPreference.objects.filter(
        user_id__in=user_ids, kind=kind, immediate=False).values_list("user_id", flat=True))
    return user_ids - digest_only


def notify(*, kind: str, about: str, recipients, params: dict | None = None) -> list[int]:
    """Queue `kind` about one thing (`about`, e.g. "item:12") to each recipient who wants it at once."""
    ids = at_once({user.pk if hasattr(user, "pk") else user for user in recipients}, kind)
    return outbox.enqueue_many([
        {"key": f"{kind}:{about}:{pk}", "kind": kind, "params": {**(params or {}), "recipient": pk},
         "recipient_id": pk} for pk in sorted(ids)
    ])


def choices_of(user) -> list[dict]:
    """Every kind with this person's choice, for the account page. One query."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "immediate"))
    return [{"kind": k, "immediate": chosen.get(k.kind, True)} for k in sorted(KINDS.values(), key=lambda k: k.label)]


def choose(*, user, kind: str, immediate: bool) -> NotificationPreference:
    if kind not in KINDS:
        raise ValueError(f"No such kind of news: {kind}")
    choice, _ = NotificationPreference.objects.update_or_create(
        user=user, kind=kind, defaults={"immediate": immediate})
    return choice


def news_email(email, *, thing, subject: str, template: str, context: dict):
    """The email of one piece of news to its one recipient (`params["recipient"]`); skipped when the thing it is
    about (`thing`, None when gone) or the person is no longer there."""
    from django.template.loader import render_to_string

    from .models import User

    person = User.objects.filter(pk=email.params["recipient"], is_active=True).first()
    if thing is None or person is None:
        raise outbox.Skip("what it was about is gone, or the person has left")
    body = render_to_string(template, {**context, "person": person})
    return outbox.message(subject=subject, body=body, to=[person.email])
