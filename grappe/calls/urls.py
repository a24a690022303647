from django.urls import path

from grappe.calls import views

app_name = "calls"

urlpatterns = [
    path("calls/", views.call_list, name="list"),
    path("calls/<str:code>/", views.call_detail, name="detail"),
    path("office/calls/", views.office_call_list, name="office_list"),
    path("office/calls/new/", views.call_create, name="create"),
    path("office/calls/<str:code>/", views.call_configure, name="configure"),
    path("office/calls/<str:code>/edit/", views.call_edit, name="edit"),
    path("office/calls/<str:code>/rules/", views.call_rules, name="rules"),
    path("office/calls/<str:code>/scheme/", views.call_scheme, name="scheme"),
    path("office/calls/<str:code>/state/", views.call_state, name="state"),
    path("office/calls/<str:code>/questions/new/", views.question_edit, name="question_create"),
    path("office/calls/<str:code>/questions/<int:pk>/", views.question_edit, name="question_edit"),
    path("office/calls/<str:code>/questions/<int:pk>/delete/", views.question_delete, name="question_delete"),
]
