"""Who sees a notification: its recipient only (the office included: nobody reads another's list)."""

import rules


@rules.predicate
def is_recipient(user: object, notification: object) -> bool:
    person_id = getattr(user, "person_id", None)
    return person_id is not None and getattr(notification, "person_id", None) == person_id


rules.add_perm("notifications.view_notification", is_recipient)
