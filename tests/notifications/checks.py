"""What every former email call site must leave behind: a notification of the right kind for the
address, and its delivery (sent at once unless the person chose otherwise)."""

from grappe.notifications.models import Notification


def assert_notified(kind: str, address: str, *, state: str = "sent", mode: str = "immediate") -> Notification:
    notification = Notification.objects.filter(kind=kind, email__iexact=address).latest("pk")
    delivery = notification.deliveries.get()
    assert (delivery.channel, delivery.mode, delivery.state, delivery.address.lower()) == (
        "email",
        mode,
        state,
        address.lower(),
    )
    return notification
