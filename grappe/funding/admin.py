"""Per-programme funding rules, edited by the technical admin until they have an office page."""

from django.contrib import admin

from grappe.funding.models import FundingRules


@admin.register(FundingRules)
class FundingRulesAdmin(admin.ModelAdmin):
    list_display = ["programme", "underspend_tolerance", "overspend_tolerance", "reallocation_threshold"]
