from django.contrib import admin

from members.admin import ArchiveOnlyAdmin

from .models import Acknowledgement, Comment, DecisionItem, ItemInterest, Position, Principle, Round


@admin.register(Principle)
class PrincipleAdmin(ArchiveOnlyAdmin):
    list_display = ["title", "adopted_on", "is_archived"]
    list_filter = ["is_archived"]
    search_fields = ["title"]


@admin.register(DecisionItem)
class DecisionItemAdmin(ArchiveOnlyAdmin):
    list_display = ["title", "status", "raised_by", "lead", "decided_on", "published_at", "is_public"]
    list_filter = ["status", "is_public"]
    search_fields = ["title", "question", "statement"]
    list_select_related = ["raised_by", "lead"]
    raw_id_fields = ["raised_by", "lead", "redirected_to"]
    # Status changes follow the rules in decisions.services; the admin is for correcting text, not the process.
    readonly_fields = ["status", "published_at", "created_at"]

    def save_model(self, request, obj, form, change):
        if change:
            # Not the count of acknowledgements read with the form: a practice may have acknowledged since
            # (services.acknowledgement_record keeps it in the database).
            obj.save(update_fields=[field.name for field in obj._meta.concrete_fields
                                    if not field.primary_key and field.name != "acknowledged_count"])
        else:
            super().save_model(request, obj, form, change)


@admin.register(Round)
class RoundAdmin(ArchiveOnlyAdmin):
    list_display = ["item", "number", "deadline", "opened_at", "closed_at", "outcome"]
    list_select_related = ["item"]
    readonly_fields = ["item", "number", "wording", "seats", "opened_at", "opened_by", "closed_at", "closed_by",
                       "outcome"]


@admin.register(Position)
class PositionAdmin(ArchiveOnlyAdmin):
    list_display = ["round", "seat", "stance", "responded_by", "responded_at"]
    list_select_related = ["round__item", "seat", "responded_by"]
    readonly_fields = ["round", "seat", "stance", "reason", "principle", "responded_by", "responded_at",
                       "interest_flag"]


@admin.register(Comment)
class CommentAdmin(ArchiveOnlyAdmin):
    list_display = ["item", "author", "created_at", "is_withdrawn"]
    list_select_related = ["item", "author"]
    raw_id_fields = ["item", "author"]


@admin.register(ItemInterest)
class ItemInterestAdmin(ArchiveOnlyAdmin):
    list_display = ["item", "user", "declared_at", "is_withdrawn"]
    list_select_related = ["item", "user"]
    raw_id_fields = ["item", "user"]


@admin.register(Acknowledgement)
class AcknowledgementAdmin(ArchiveOnlyAdmin):
    list_display = ["item", "practice", "acknowledged_by", "acknowledged_at"]
    list_select_related = ["item", "practice", "acknowledged_by"]
    # A practice's own word, recorded by services.acknowledgement_record, which also keeps the decision's count of
    # them (DecisionItem.acknowledged_count): shown here, not added or moved to another decision or practice.
    readonly_fields = ["item", "practice", "acknowledged_by", "acknowledged_at"]

    def has_add_permission(self, request):
        return False
