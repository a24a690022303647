from django.urls import path

from grappe.funding import views

app_name = "funding"

urlpatterns = [
    path("office/awards/", views.awards, name="awards"),
    path("office/awards/<str:code>/open/", views.open_project, name="open"),
    path("projects/<str:code>/budget/", views.budget, name="budget"),
    path("projects/<str:code>/cofunding/", views.cofunding, name="cofunding"),
]
