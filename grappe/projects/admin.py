"""Per-programme settings of projects, edited by the technical admin until they have office pages."""

from django.contrib import admin

from grappe.projects.models import ReminderRules, ReportTemplate


@admin.register(ReminderRules)
class ReminderRulesAdmin(admin.ModelAdmin):
    list_display = ["programme", "days_before", "late_every_days"]


@admin.register(ReportTemplate)
class ReportTemplateAdmin(admin.ModelAdmin):
    list_display = ["programme"]
