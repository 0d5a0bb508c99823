"""Who may do what in representation and the single point of access. Every view asks these functions.

- The whole group (chair, gatekeepers, members, observers) reads forums, meetings, briefings, feedback, actions
  and the leadership agenda; observers only read.
- A forum's current representative and deputy, and the group's representation leads, write its meetings,
  briefings and feedback.
- The chair, gatekeepers and representation leads keep the register (forums, representatives, relationships):
  they add, correct and archive its entries.
- Whoever may add a forum's meetings may correct their date and agenda and take items off it.
- Reviews of a representative are seen by acting members of the group and the representative, and recorded by
  the chair and the representation leads. Observers (often system staff) do not see them.
- Gatekeepers and the chair triage requests and manage the agenda; the chair alone reorders it.
- Practice users and outsiders see none of it.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from members.access import is_acting_member, is_chair, is_gatekeeper, is_group, require

from .models import (
    Action,
    AgendaItem,
    Briefing,
    Feedback,
    Forum,
    LeadershipAgendaItem,
    Meeting,
    Relationship,
    RepresentationLead,
    Representative,
    Request,
)


def is_representation_lead(user) -> bool:
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_is_representation_lead", None)
    if cached is None:
        cached = is_group(user) and RepresentationLead.objects.current().filter(user=user).exists()
        user._is_representation_lead = cached
    return cached


def represented_forum_ids(user) -> frozenset[int]:
    """Forums the user currently represents, as representative or deputy."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_represented_forum_ids", None)
    if cached is None:
        cached = frozenset(Representative.objects.current().filter(user=user).values_list("forum_id", flat=True))
        user._represented_forum_ids = cached
    return cached


def can_read(user) -> bool:
    return is_group(user)


def can_act(user) -> bool:
    """Comment, raise actions: the acting members of the group."""
    return is_acting_member(user)


def can_manage_register(user) -> bool:
    return is_chair(user) or is_gatekeeper(user) or is_representation_lead(user)


def can_name_leads(user) -> bool:
    return is_chair(user)


def can_write_for_forum(user, forum_id: int) -> bool:
    return is_representation_lead(user) or forum_id in represented_forum_ids(user)


def can_manage_meetings_of(user, forum_id: int) -> bool:
    """Add a meeting to a forum, correct its date and agenda: its representatives, the leads, the register keepers."""
    return can_write_for_forum(user, forum_id) or can_manage_register(user)


def can_record_reviews(user) -> bool:
    return is_chair(user) or is_representation_lead(user)


def can_read_reviews_of(user, representative: Representative) -> bool:
    return is_acting_member(user) or representative.user_id == user.pk


def can_triage(user) -> bool:
    return is_gatekeeper(user) or is_chair(user)


def can_manage_agenda(user) -> bool:
    return is_gatekeeper(user) or is_chair(user)


def can_reorder_agenda(user) -> bool:
    return is_chair(user)


def _get(qs, pk, label):
    try:
        return qs.get(pk=pk)
    except qs.model.DoesNotExist:
        raise Http404(f"No such {label}") from None


def get_forum_for(user, pk: int, *, write: bool = False) -> Forum:
    require(can_read(user))
    forum = _get(Forum.objects.select_related("host"), pk, "forum")
    if write and not can_manage_register(user):
        raise PermissionDenied
    if write and forum.is_archived:
        raise Http404("The forum is archived")  # its page stays readable; it takes no more changes
    return forum


def get_forum_meetings_for(user, forum_pk: int) -> Forum:
    """The forum, for adding a meeting to it: its representatives and the leads (and the register keepers)."""
    forum = get_forum_for(user, forum_pk)
    require(can_manage_meetings_of(user, forum.pk))
    if forum.is_archived:
        raise Http404("The forum is archived")
    return forum


def get_representative_for(user, pk: int, *, write: bool = False) -> Representative:
    """Read: the reviews page of a representative. Write: record a review or stand them down."""
    if not user.is_authenticated:
        raise PermissionDenied
    representative = _get(Representative.objects.select_related("forum", "user"), pk, "representative")
    require(can_read_reviews_of(user, representative))
    if write and not can_record_reviews(user):
        raise PermissionDenied
    return representative


def get_relationship_for(user, pk: int, *, write: bool = False) -> Relationship:
    require(can_read(user))
    relationship = _get(
        Relationship.objects.filter(is_archived=False).select_related("organisation", "held_by"), pk, "relationship"
    )
    if write and not can_manage_register(user):
        raise PermissionDenied
    return relationship


def get_meeting_for(user, pk: int, *, write: bool = False, edit: bool = False) -> Meeting:
    """Write: add agenda items. Edit: correct the date and the agenda, as whoever may add the meeting."""
    require(can_read(user))
    meeting = _get(Meeting.objects.current().select_related("forum", "forum__host"), pk, "meeting")
    if write and not can_write_for_forum(user, meeting.forum_id):
        raise PermissionDenied
    if edit and not can_manage_meetings_of(user, meeting.forum_id):
        raise PermissionDenied
    return meeting


def get_agenda_item_for(user, pk: int, *, write: bool = False, edit: bool = False) -> AgendaItem:
    """Write: its briefing and feedback. Edit: take it off the agenda, as whoever may add the meeting."""
    require(can_read(user))
    item = _get(
        AgendaItem.objects.filter(is_archived=False).select_related("meeting", "meeting__forum"), pk, "agenda item"
    )
    if write and not can_write_for_forum(user, item.meeting.forum_id):
        raise PermissionDenied
    if edit and not can_manage_meetings_of(user, item.meeting.forum_id):
        raise PermissionDenied
    return item


def get_briefing_for(user, pk: int, *, comment: bool = False) -> Briefing:
    require(can_read(user))
    briefing = _get(
        Briefing.objects.select_related("agenda_item", "agenda_item__meeting", "agenda_item__meeting__forum"),
        pk, "briefing",
    )
    if comment and not can_act(user):
        raise PermissionDenied
    return briefing


def get_feedback_for(user, pk: int, *, write: bool = False) -> Feedback:
    require(can_read(user))
    feedback = _get(
        Feedback.objects.select_related("agenda_item", "agenda_item__meeting", "agenda_item__meeting__forum"),
        pk, "feedback",
    )
    if write and not can_write_for_forum(user, feedback.agenda_item.meeting.forum_id):
        raise PermissionDenied
    return feedback


def can_update_action(user, action: Action) -> bool:
    return user.pk in (action.owner_id, action.support_id, action.created_by_id) or is_chair(user) or is_gatekeeper(
        user
    )


def get_action_for(user, pk: int, *, write: bool = False) -> Action:
    require(can_read(user))
    action = _get(
        Action.objects.filter(is_archived=False).select_related("owner", "support", "meeting", "meeting__forum"),
        pk, "action",
    )
    if write and not (can_act(user) and can_update_action(user, action)):
        raise PermissionDenied
    return action


def get_request_for(user, pk: int, *, write: bool = False) -> Request:
    require(can_triage(user))
    return _get(Request.objects.filter(is_archived=False).select_related("redirected_to", "triaged_by"), pk,
                "request")


def get_leadership_agenda_item_for(user, pk: int, *, reorder: bool = False) -> LeadershipAgendaItem:
    require(can_reorder_agenda(user) if reorder else can_manage_agenda(user))
    item = _get(
        LeadershipAgendaItem.objects.filter(is_archived=False).select_related("meeting"), pk, "agenda item"
    )
    if not item.meeting.is_upcoming():
        raise PermissionDenied  # a past agenda is the record of what was discussed
    return item
