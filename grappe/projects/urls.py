from django.urls import path

from grappe.projects import views

app_name = "projects"

urlpatterns = [
    path("projects/", views.public_list, name="public_list"),
    path("projects/mine/", views.project_list, name="list"),
    path("projects/<str:code>/", views.public_detail, name="public"),
    path("projects/<str:code>/internal/", views.project_detail, name="detail"),
    path("projects/<str:code>/grant/", views.grant_page, name="grant"),
    path("projects/<str:code>/grant/documents/<int:pk>/", views.grant_document, name="grant_document"),
]
