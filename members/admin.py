import dataclasses

from allauth.account.admin import EmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.socialaccount.admin import SocialAccountAdmin
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.db.models.constants import LOOKUP_SEP
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from . import outbox
from .models import (
    ICS,
    Declaration,
    GroupRole,
    ICSLeader,
    Invitation,
    Membership,
    Organisation,
    OutboxEmail,
    Place,
    Seat,
    User,
)

# The admin deletes nothing, on any model: not one by one (every ModelAdmin refuses delete, including those of
# Django's and allauth's models re-registered below) and not in bulk (the site-wide action is gone).
admin.site.disable_action("delete_selected")


class _HistoryWithoutExcludedFields(HistoricalRecordContextHelper):
    def __init__(self, model, historical_record, *, hidden):
        super().__init__(model, historical_record)
        self.hidden = set(hidden)

    def context_for_delta_changes(self, delta):
        changes = [change for change in delta.changes if change.field not in self.hidden]
        fields = [name for name in delta.changed_fields if name not in self.hidden]
        return super().context_for_delta_changes(dataclasses.replace(delta, changes=changes, changed_fields=fields))


class ArchiveOnlyAdmin(SimpleHistoryAdmin):
    """Nothing a user entered is hard-deleted: records are archived or ended, and history keeps every change.

    A field a ModelAdmin ``exclude``s (a secret ballot's choices) stays out of sight everywhere the admin could
    show it: the form, the history's list of changes, and the changelist's URL filters (``?choices__contains=…``
    would otherwise tell a superuser which practices chose a candidate)."""

    def has_delete_permission(self, request, obj=None):
        return False

    def get_historical_record_context_helper(self, request, historical_record):
        return _HistoryWithoutExcludedFields(self.model, historical_record, hidden=self.exclude or ())

    def lookup_allowed(self, lookup, value, request=None):
        if lookup.split(LOOKUP_SEP)[0] in (self.exclude or ()):
            return False
        return super().lookup_allowed(lookup, value, request)


admin.site.unregister(Group)


@admin.register(Group)
class NoDeleteGroupAdmin(GroupAdmin):
    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(EmailAddress)


@admin.register(EmailAddress)
class NoDeleteEmailAddressAdmin(EmailAddressAdmin):
    """An address is the sign-in; a wrong one is corrected or marked unverified, never removed."""

    def has_delete_permission(self, request, obj=None):
        return False


# NHSmail sign-in is configured from the environment only (settings.py) and keeps no tokens, so the admin offers
# no provider apps or tokens to add; it shows which accounts are connected to an NHSmail identity.
admin.site.unregister(SocialApp)
admin.site.unregister(SocialToken)
admin.site.unregister(SocialAccount)


@admin.register(SocialAccount)
class NoDeleteSocialAccountAdmin(SocialAccountAdmin):
    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(ArchiveOnlyAdmin):
    list_display = ["email", "full_name", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    exclude = ["password"]
    readonly_fields = ["last_login", "date_joined"]


@admin.register(ICS)
class ICSAdmin(ArchiveOnlyAdmin):
    list_display = ["name", "ods_code"]
    search_fields = ["name", "ods_code"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Place)
class PlaceAdmin(ArchiveOnlyAdmin):
    list_display = ["name", "ics", "commissioner_codes"]
    list_filter = ["ics"]
    list_select_related = ["ics"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Organisation)
class OrganisationAdmin(ArchiveOnlyAdmin):
    list_display = ["name", "kind", "ods_code", "pcn", "list_size", "status", "is_archived"]
    list_filter = ["kind", "status", "is_archived"]
    search_fields = ["name", "ods_code", "postcode"]
    list_select_related = ["pcn"]
    raw_id_fields = ["pcn"]


@admin.register(Membership)
class MembershipAdmin(ArchiveOnlyAdmin):
    list_display = ["user", "organisation", "role_title", "is_voting_contact", "is_digest_recipient", "is_archived"]
    list_filter = ["is_voting_contact", "is_archived", "organisation__kind"]
    search_fields = ["user__email", "user__full_name", "organisation__name"]
    list_select_related = ["user", "organisation"]
    raw_id_fields = ["user", "organisation"]


@admin.register(Seat)
class SeatAdmin(ArchiveOnlyAdmin):
    list_display = ["title", "kind", "organisation", "holder", "deputy", "is_active"]
    list_select_related = ["organisation", "holder", "deputy"]


@admin.register(GroupRole)
class GroupRoleAdmin(ArchiveOnlyAdmin):
    list_display = ["user", "role", "started_on", "ended_on", "is_archived"]
    list_select_related = ["user"]


@admin.register(ICSLeader)
class ICSLeaderAdmin(ArchiveOnlyAdmin):
    """Named leaders of an ICS's leaders' group (the chairs of its places belong by their role). A leader who
    steps down is ended or archived, never deleted."""

    list_display = ["user", "ics", "started_on", "ended_on", "is_archived"]
    list_filter = ["ics", "is_archived"]
    list_select_related = ["user", "ics"]
    search_fields = ["user__email", "user__full_name", "ics__name"]
    raw_id_fields = ["user"]


@admin.register(Declaration)
class DeclarationAdmin(ArchiveOnlyAdmin):
    list_display = ["user", "interest", "organisation", "declared_from", "declared_to"]
    list_select_related = ["user", "organisation"]


@admin.register(Invitation)
class InvitationAdmin(ArchiveOnlyAdmin):
    list_display = ["email", "organisation", "role_title", "created_at", "expires_at", "accepted_at", "revoked_at"]
    exclude = ["token_hash"]
    list_select_related = ["organisation"]


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    """Read-only: the outbox is the portal's own bookkeeping. A failed email can be tried again."""

    list_display = ["kind", "addressed_to", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["key", "addressed_to", "recipient__email"]
    readonly_fields = [f.name for f in OutboxEmail._meta.fields]
    actions = ["try_again"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Try the selected failed emails again")
    def try_again(self, request, queryset):
        count = outbox.retry_failed(queryset.values_list("pk", flat=True))
        self.message_user(request, f"{count} email(s) will be tried again.")
