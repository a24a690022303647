from django.contrib import admin

from grappe.people.models import Affiliation, Keyword, Organisation, Person, Role, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "relationship", "country"]
    list_filter = ["relationship", "kind", "sector"]
    search_fields = ["name", "short_name", "ror", "siren"]
    readonly_fields = ["code", "version"]


class AffiliationInline(admin.TabularInline):
    model = Affiliation
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "email", "orcid"]
    search_fields = ["last_name", "first_name", "email", "orcid"]
    readonly_fields = ["code", "version"]
    inlines = [AffiliationInline]
    filter_horizontal = ["keywords"]


@admin.register(Keyword)
class KeywordAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["person", "kind", "organisation", "granted_at"]
    list_filter = ["kind"]
    autocomplete_fields = ["person", "organisation"]


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    """Accounts are created by registration or by the office; the admin only inspects them."""

    ordering = ["email"]
    list_display = ["email", "person", "is_active", "is_staff", "email_verified_at"]
    list_filter = ["is_active", "is_staff"]
    search_fields = ["email"]
    autocomplete_fields = ["person"]
    fields = [
        "email",
        "person",
        "is_active",
        "is_staff",
        "is_superuser",
        "email_verified_at",
        "last_login",
        "date_joined",
    ]
    readonly_fields = ["last_login", "date_joined"]
