from django.contrib import admin

from members.admin import ArchiveOnlyAdmin

from .models import (
    Action,
    AgendaItem,
    Briefing,
    BriefingComment,
    Feedback,
    Forum,
    LeadershipAgendaItem,
    LeadershipMeeting,
    Meeting,
    Relationship,
    RepresentationLead,
    Representative,
    Request,
    Review,
)


@admin.register(Forum)
class ForumAdmin(ArchiveOnlyAdmin):
    list_display = ["name", "host", "cadence", "is_formal_seat", "feedback_due_days", "is_archived"]
    list_select_related = ["host"]
    search_fields = ["name"]


@admin.register(Representative)
class RepresentativeAdmin(ArchiveOnlyAdmin):
    list_display = ["user", "forum", "role", "term_starts_on", "term_ends_on", "stood_down_on"]
    list_select_related = ["user", "forum"]
    raw_id_fields = ["user"]


@admin.register(RepresentationLead)
class RepresentationLeadAdmin(ArchiveOnlyAdmin):
    list_display = ["user", "slot", "started_on", "ended_on"]
    list_select_related = ["user"]


@admin.register(Relationship)
class RelationshipAdmin(ArchiveOnlyAdmin):
    list_display = ["contact_name", "contact_role", "organisation", "held_by", "is_archived"]
    list_select_related = ["organisation", "held_by"]


@admin.register(Meeting)
class MeetingAdmin(ArchiveOnlyAdmin):
    list_display = ["forum", "held_on", "feedback_due_on", "feedback_completed_at", "is_archived"]
    list_select_related = ["forum"]


@admin.register(AgendaItem)
class AgendaItemAdmin(ArchiveOnlyAdmin):
    list_display = ["title", "meeting", "position", "is_archived"]
    list_select_related = ["meeting__forum"]


@admin.register(Briefing)
class BriefingAdmin(ArchiveOnlyAdmin):
    list_display = ["agenda_item", "written_by", "updated_at"]
    list_select_related = ["agenda_item", "written_by"]


@admin.register(BriefingComment)
class BriefingCommentAdmin(ArchiveOnlyAdmin):
    list_display = ["briefing", "author", "created_at", "is_archived"]
    list_select_related = ["briefing__agenda_item", "author"]


@admin.register(Feedback)
class FeedbackAdmin(ArchiveOnlyAdmin):
    list_display = ["agenda_item", "written_by", "updated_at", "sign_off_decision"]
    list_select_related = ["agenda_item", "written_by", "sign_off_decision"]


@admin.register(Action)
class ActionAdmin(ArchiveOnlyAdmin):
    list_display = ["title", "owner", "support", "due_on", "status", "is_archived"]
    list_filter = ["status", "is_archived"]
    list_select_related = ["owner", "support"]


@admin.register(Review)
class ReviewAdmin(ArchiveOnlyAdmin):
    list_display = ["representative", "reviewed_on", "recorded_by", "is_archived"]
    list_select_related = ["representative__user", "representative__forum", "recorded_by"]


@admin.register(Request)
class RequestAdmin(ArchiveOnlyAdmin):
    list_display = ["summary", "organisation_name", "received_at", "triage_due_on", "outcome", "triaged_at"]
    list_filter = ["outcome", "is_archived"]
    search_fields = ["summary", "organisation_name", "requester_email"]


@admin.register(LeadershipMeeting)
class LeadershipMeetingAdmin(ArchiveOnlyAdmin):
    list_display = ["meets_on", "has_partner_slot", "is_archived"]


@admin.register(LeadershipAgendaItem)
class LeadershipAgendaItemAdmin(ArchiveOnlyAdmin):
    list_display = ["title", "meeting", "kind", "position", "is_archived"]
    list_select_related = ["meeting"]
