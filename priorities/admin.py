from django.contrib import admin

from members.admin import ArchiveOnlyAdmin

from .models import AgreedPriority, Ballot, Candidate, Exercise, PlanItem, ProgressUpdate


class CandidateInline(admin.TabularInline):
    model = Candidate
    extra = 0
    fields = ["position", "title", "is_archived"]
    can_delete = False


@admin.register(Exercise)
class ExerciseAdmin(ArchiveOnlyAdmin):
    list_display = ["title", "method", "places", "weighting", "status", "opens_at", "closes_at", "is_archived"]
    list_filter = ["status", "method", "weighting", "is_archived"]
    search_fields = ["title"]
    # Status moves only through the services (open, close and count, publish), never by editing a field.
    readonly_fields = ["status", "opened_at", "closed_at", "published_at", "published_by", "created_by", "result"]
    inlines = [CandidateInline]


@admin.register(Candidate)
class CandidateAdmin(ArchiveOnlyAdmin):
    list_display = ["title", "exercise", "position", "is_archived"]
    list_select_related = ["exercise"]


@admin.register(Ballot)
class BallotAdmin(ArchiveOnlyAdmin):
    """Read-only: a ballot changes only when its practice's voting contact changes it."""

    list_display = ["exercise", "practice", "updated_at", "revision"]
    list_select_related = ["exercise", "practice"]
    # The choices stay out of the list and the form: ballots are secret even from the admin's screens.
    exclude = ["choices"]
    readonly_fields = ["exercise", "practice", "cast_by", "receipt_code", "revision", "cast_at", "updated_at", "weight"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AgreedPriority)
class AgreedPriorityAdmin(ArchiveOnlyAdmin):
    list_display = ["title", "exercise", "position", "is_archived"]
    list_select_related = ["exercise"]
    raw_id_fields = ["exercise", "candidate", "confirmed_by"]


@admin.register(PlanItem)
class PlanItemAdmin(ArchiveOnlyAdmin):
    list_display = ["title", "kind", "priority", "lead", "due_date", "rag_status", "is_archived"]
    list_filter = ["kind", "rag_status", "is_archived"]
    list_select_related = ["priority"]
    raw_id_fields = ["priority", "parent"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(ArchiveOnlyAdmin):
    list_display = ["item", "rag_status", "recorded_by", "recorded_at"]
    list_select_related = ["item", "recorded_by"]
    raw_id_fields = ["item", "recorded_by"]
