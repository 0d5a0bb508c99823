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
- Gatekeepers and the chair triage requests (and add papers to them) and manage the agenda; the chair alone
  reorders it.
- A paper (members.papers) is read by whoever reads what it is attached to; a meeting's minutes and papers are
  added by whoever may correct the meeting, a briefing's by whoever writes it.
- Practice users and outsiders see none of it.

The getters follow members.access's policy: a forum, meeting, request or anything else a person may not see is
not found (404), exactly as a missing one; one they may see but may not do this to is forbidden (403). An
archived record stays on record but takes no changes: to change it, it is not found.
"""

from django.db.models import IntegerField, Value

from members import prepared
from members.access import (
    allow_to,
    get_visible,
    get_visible_by_pk,
    is_acting_member,
    is_chair,
    is_gatekeeper,
    is_group,
    remembered,
)

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
    return remembered(user, "is_representation_lead", lambda: is_group(user) and _representation_standing(user)[0])


def represented_forum_ids(user) -> frozenset[int]:
    """Forums the user currently represents, as representative or deputy."""
    if not user.is_authenticated:
        return frozenset()
    return _representation_standing(user)[1]


def _representation_standing(user) -> tuple[bool, frozenset[int]]:
    """Whether the person is a representation lead in post (whatever their group role), and the forums they currently
    represent: one query from SQL compiled once a day (members.prepared), read once per request, as every page of
    representation asks both (two queries before)."""
    def build(person_id):
        leads = RepresentationLead.objects.current().filter(user_id=person_id).order_by().values_list(
            Value(None, output_field=IntegerField()))  # a lead's row names no forum
        forums = Representative.objects.current().filter(user_id=person_id).order_by().values_list("forum_id")
        return leads.union(forums, all=True)

    def read():
        rows = prepared.objects("access.representation_standing", build, person_id=user.pk)
        return (any(forum_id is None for (forum_id,) in rows),
                frozenset(forum_id for (forum_id,) in rows if forum_id is not None))

    return remembered(user, "representation_standing", read)


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


def can_read_reviews(user) -> bool:
    """The reviews page: the acting group reads every review; a representative, on the group or not, their own."""
    return is_acting_member(user) or Representative.objects.filter(user=user, is_archived=False).exists()


def can_read_reviews_of(user, representative: Representative) -> bool:
    return is_acting_member(user) or representative.user_id == user.pk


def can_update_action(user, action: Action) -> bool:
    return user.pk in (action.owner_id, action.support_id, action.created_by_id) or is_chair(user) or is_gatekeeper(
        user
    )


def can_triage(user) -> bool:
    return is_gatekeeper(user) or is_chair(user)


def can_manage_agenda(user) -> bool:
    return is_gatekeeper(user) or is_chair(user)


def can_reorder_agenda(user) -> bool:
    return is_chair(user)


def get_forum_for(user, pk: int, *, to: str = "read") -> Forum:
    """The group reads every forum, archived ones too (their page stays readable); the register keepers change
    them, and whoever may add a forum's meetings adds one."""
    forum = get_visible_by_pk(("access.forum", to == "read"), lambda: (
        Forum.objects if to == "read" else Forum.objects.current()).select_related("host"),
        visible=can_read(user), label="forum", pk=pk)
    allow_to(to, {
        "read": lambda: True,
        **dict.fromkeys(("edit", "archive", "appoint"), lambda: can_manage_register(user)),
        "add_meeting": lambda: can_manage_meetings_of(user, forum.pk),
    })
    return forum


def get_lead_for(user, pk: int, *, to: str = "read") -> RepresentationLead:
    """The group sees who its representation leads are; the chair names them and ends them."""
    lead = get_visible(RepresentationLead.objects.filter(is_archived=False).select_related("user"),
                       visible=can_read(user), label="representation lead", pk=pk)
    allow_to(to, {"read": lambda: True, "end": lambda: can_name_leads(user)})
    return lead


def get_representative_for(user, pk: int, *, to: str = "read_reviews") -> Representative:
    """The group sees who represents it; their reviews are read by the acting members and the representative,
    recorded by the chair and the leads. The register keepers stand a representative down. Someone who is not on
    the group finds only themselves."""
    queryset = Representative.objects.select_related("forum", "user")
    if not is_group(user):
        queryset = queryset.filter(user=user)
    if to != "read_reviews":
        queryset = queryset.filter(is_archived=False)
    representative = get_visible(queryset, visible=user.is_authenticated, label="representative", pk=pk)
    allow_to(to, {
        "read_reviews": lambda: can_read_reviews_of(user, representative),
        "record_review": lambda: can_read_reviews_of(user, representative) and can_record_reviews(user),
        "stand_down": lambda: can_manage_register(user),
    })
    return representative


def get_relationship_for(user, pk: int, *, to: str = "read") -> Relationship:
    relationship = get_visible(Relationship.objects.filter(is_archived=False).select_related("organisation", "held_by"),
                               visible=can_read(user), label="relationship", pk=pk)
    allow_to(to, {"read": lambda: True, **dict.fromkeys(("edit", "archive"), lambda: can_manage_register(user))})
    return relationship


def get_meeting_for(user, pk: int, *, to: str = "read") -> Meeting:
    """The forum's representatives and the leads add agenda items; whoever may add the meeting corrects its date
    and agenda."""
    meeting = get_visible_by_pk("access.meeting", lambda: Meeting.objects.current().select_related(
        "forum", "forum__host"), visible=can_read(user), label="meeting", pk=pk)
    allow_to(to, {
        "read": lambda: True,
        "add_item": lambda: can_write_for_forum(user, meeting.forum_id),
        "edit": lambda: can_manage_meetings_of(user, meeting.forum_id),
    })
    return meeting


def get_agenda_item_for(user, pk: int, *, to: str = "read") -> AgendaItem:
    """The forum's representatives and the leads write its briefing and feedback; whoever may add the meeting
    takes it off the agenda."""
    item = get_visible(AgendaItem.objects.filter(is_archived=False).select_related("meeting", "meeting__forum"),
                       visible=can_read(user), label="agenda item", pk=pk)
    allow_to(to, {
        "read": lambda: True,
        **dict.fromkeys(("brief", "feed_back"), lambda: can_write_for_forum(user, item.meeting.forum_id)),
        "archive": lambda: can_manage_meetings_of(user, item.meeting.forum_id),
    })
    return item


def get_briefing_for(user, pk: int, *, to: str = "read") -> Briefing:
    briefing = get_visible(
        Briefing.objects.select_related("agenda_item", "agenda_item__meeting", "agenda_item__meeting__forum"),
        visible=can_read(user), label="briefing", pk=pk,
    )
    allow_to(to, {
        "read": lambda: True,
        "comment": lambda: can_act(user),
        # Its papers are added by those who write it.
        "edit": lambda: can_write_for_forum(user, briefing.agenda_item.meeting.forum_id),
    })
    return briefing


def get_feedback_for(user, pk: int, *, to: str = "read") -> Feedback:
    feedback = get_visible(
        Feedback.objects.select_related("agenda_item", "agenda_item__meeting", "agenda_item__meeting__forum"),
        visible=can_read(user), label="feedback", pk=pk,
    )
    allow_to(to, {
        "read": lambda: True,
        "raise_decision": lambda: can_write_for_forum(user, feedback.agenda_item.meeting.forum_id),
    })
    return feedback


def get_action_for(user, pk: int, *, to: str = "read") -> Action:
    action = get_visible(
        Action.objects.filter(is_archived=False).select_related("owner", "support", "meeting", "meeting__forum"),
        visible=can_read(user), label="action", pk=pk,
    )
    allow_to(to, {"read": lambda: True, "update": lambda: can_act(user) and can_update_action(user, action)})
    return action


def get_request_for(user, pk: int, *, to: str = "read") -> Request:
    """Requests are seen by those who triage them: the gatekeepers and the chair."""
    request = get_visible(Request.objects.filter(is_archived=False).select_related("redirected_to", "triaged_by",
                                                                                   "routed_from_ics"),
                          visible=can_triage(user), label="request", pk=pk)
    allow_to(to, {"read": lambda: True, "triage": lambda: True, "attach": lambda: True})
    return request


def get_leadership_agenda_item_for(user, pk: int, *, to: str = "read") -> LeadershipAgendaItem:
    """The group reads the leadership agenda; gatekeepers and the chair take items off it, the chair reorders it.
    A past agenda is the record of what was discussed, so it takes no changes."""
    item = get_visible(LeadershipAgendaItem.objects.filter(is_archived=False).select_related("meeting"),
                       visible=can_read(user), label="agenda item", pk=pk)
    allow_to(to, {
        "read": lambda: True,
        "move": lambda: can_reorder_agenda(user) and item.meeting.is_upcoming(),
        "remove": lambda: can_manage_agenda(user) and item.meeting.is_upcoming(),
    })
    return item
