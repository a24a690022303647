from django.urls import path

from grappe.accountability import views

app_name = "accountability"

urlpatterns = [
    path("office/calls/<str:code>/audit/", views.audit, name="audit"),
    path("office/calls/<str:code>/audit.xlsx", views.audit_xlsx, name="audit_xlsx"),
    path("office/calls/<str:code>/audit.pdf", views.audit_pdf, name="audit_pdf"),
]
