from django.db.models import QuerySet
from django.utils import timezone

from grappe.calls.models import Call, CallState


def open_calls() -> QuerySet[Call]:
    """Published calls whose submission window is open now, the soonest deadline first."""
    now = timezone.now()
    return Call.objects.filter(state=CallState.PUBLISHED, opens_at__lte=now, closes_at__gt=now).order_by("closes_at")
