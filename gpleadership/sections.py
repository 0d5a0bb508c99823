"""The digest's and the dashboard's sections, read from each app's selectors.

Each section is a dict: a heading, a plain-words lead, and items (text, optional url, optional tag).
"""

from django.urls import reverse

from members import selectors as member_selectors


def _section(heading: str, lead: str, items: list[dict]) -> dict:
    return {"heading": heading, "lead": lead, "items": items}


def for_digest(*, user, since, is_group: bool) -> list[dict]:
    return []


def for_dashboard(*, today) -> list[dict]:
    practices = member_selectors.practices_without_voting_contact()
    seats = member_selectors.vacant_seats()
    invitations = member_selectors.lapsed_invitations()
    return [
        _section(
            "Practices with no voting contact",
            "These practices cannot vote on priorities until someone is named as their voting contact.",
            [{"text": f"{p.name}" + (f" ({p.pcn.name})" if p.pcn else ""),
              "url": reverse("members:organisation", args=[p.pk]), "tag": "Unheard"} for p in practices],
        ),
        _section(
            "Vacant seats on the group",
            "A member organisation without a seat holder is not heard in consensus rounds.",
            [{"text": s.title, "tag": "Vacant"} for s in seats],
        ),
        _section(
            "Invitations that lapsed unused",
            "Invited in the last month but never signed in: worth a phone call.",
            [{"text": f"{i.full_name} ({i.email}), {i.role_title}, {i.organisation.name}", "tag": "Lapsed",
              "url": reverse("members:invitations")} for i in invitations],
        ),
    ]
