"""The outbox for the technical admin: every email, its state, its attempts and last error."""

from django.contrib import admin

from grappe.notifications.models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["pk", "address", "mode", "state", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["state", "mode"]
    search_fields = ["address"]
    list_select_related = ["notification"]
    readonly_fields = ["notification", "channel", "mode", "address", "attempts", "last_error", "sent_at"]
