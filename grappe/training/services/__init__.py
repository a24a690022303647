"""Every write of training (docs/training.md): catalogue, registration, attendance, imports."""

from grappe.training.services.attendance import (  # noqa: F401 - the app's write API
    apply_sign_in_sheet,
    certificate_for,
    mark_attendance,
    preview_sign_in_sheet,
    recompute_enrolment,
)
from grappe.training.services.catalogue import (  # noqa: F401
    TrainingError,
    archive_course,
    course_registrations,
    delete_course,
    delete_session,
    save_course,
    save_programme,
    save_session,
    save_trainee,
    session_deletable,
    set_gender,
    set_registration_open,
)
from grappe.training.services.registration import (  # noqa: F401
    cancel,
    cancel_session,
    confirm,
    message_registrants,
    register_person,
    request_registration,
)
