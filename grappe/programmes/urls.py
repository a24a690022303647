from django.urls import path

from grappe.programmes import views

app_name = "programmes"

urlpatterns = [
    path("office/programmes/", views.programme_list, name="list"),
    path("office/programmes/new/", views.programme_create, name="create"),
    path("office/programmes/<str:code>/", views.programme_detail, name="detail"),
    path("office/programmes/<str:code>/edit/", views.programme_edit, name="edit"),
]
