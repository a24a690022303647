from django.urls import path

from grappe.training.views import office, organise, public

app_name = "training"

urlpatterns = [
    path("training/", public.catalogue, name="catalogue"),
    path("training/mine/", public.mine, name="mine"),
    path("training/programmes/<str:code>/", public.programme_page, name="programme"),
    path("training/sessions/<str:code>/", public.session_page, name="session"),
    path("training/sessions/<str:code>/register/", public.register, name="register"),
    path("training/sessions/<str:code>/calendar.ics", public.session_calendar, name="session_calendar"),
    path("training/sessions/<str:code>/organise/", organise.organise, name="organise"),
    path("training/sessions/<str:code>/registrants.csv", organise.export, name="export"),
    path("training/registrations/<str:token>/confirm/", public.confirm, name="confirm"),
    path("training/registrations/<str:token>/", public.manage_registration, name="manage_registration"),
    path("training/registrations/<str:token>/calendar.ics", public.registration_calendar, name="calendar"),
    path("training/verify/", public.verify, name="verify_form"),
    path("training/verify/<str:code>/", public.verify, name="verify"),
    path("training/certificates/<str:code>.pdf", public.certificate, name="certificate"),
    path("office/training/", office.offer, name="offer"),
    path("office/training/programmes/<str:code>/", office.edit_programme, name="edit_programme"),
    path("office/training/programmes/<str:code>/courses/<int:pk>/remove/", office.remove_course, name="remove_course"),
    path("office/training/sessions/<str:code>/", office.edit_session, name="edit_session"),
    path("office/training/sessions/<str:code>/delete/", office.delete_session, name="delete_session"),
    path("office/training/sessions/<str:code>/cancel/", office.cancel_session, name="cancel_session"),
    path("office/training/imports/", office.import_list, name="imports"),
    path("office/training/imports/<str:code>/", office.import_page, name="import"),
    path("office/training/counts/", office.counts, name="counts"),
    path("office/training/trainees/", office.trainees, name="trainees"),
]
