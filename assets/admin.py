"""Django admin for reference data only: the region tree, organisations, the category ->
supervising department mapping (五) and users with their roles. The register itself
(assets, projects, households) is edited only through the web pages and their action functions.

SimpleHistoryAdmin keeps admin edits in the same history as everything else (the acting user
comes from the request's change context).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from assets.forms.auth import AdminPasswordChangeForm, AdminUserCreationForm
from assets.models import AssetCategory, Organisation, Region, RoleAssignment, User

# Roles are RoleAssignments in organisations (assets/scoping.py), not Django groups.
admin.site.unregister(Group)

admin.site.site_header = _("Project asset register: reference data")
admin.site.site_title = _("Project asset register")
admin.site.index_title = _("Reference data")


@admin.register(Region)
class RegionAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "level", "township_kind", "parent", "is_weak_village"]
    list_filter = ["level", "township_kind", "is_weak_village"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path", "township"]
    ordering = ["path"]


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "short_name", "kind", "region", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name", "short_name"]
    list_select_related = ["region"]
    raw_id_fields = ["region"]


@admin.register(AssetCategory)
class AssetCategoryAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "asset_class", "department", "default_form", "default_depreciation_method",
                    "default_useful_life_years", "sort_order", "is_active"]
    list_editable = ["department", "sort_order", "is_active"]
    list_filter = ["asset_class", "department", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["department"]


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    fields = ["role", "organisation", "is_active", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, DjangoUserAdmin):
    list_display = ["username", "full_name", "phone", "is_active", "is_staff", "must_change_password", "last_login"]
    # an account created here, or a password set here, must be changed at its next login
    add_form = AdminUserCreationForm
    change_password_form = AdminPasswordChangeForm
    list_filter = ["is_active", "is_staff", "is_superuser", "role_assignments__role"]
    search_fields = ["username", "full_name", "phone", "email"]
    inlines = [RoleAssignmentInline]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal information"), {"fields": ["full_name", "phone", "email"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "must_change_password"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "full_name", "password1", "password2"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]
