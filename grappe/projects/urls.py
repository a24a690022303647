from django.urls import path

from grappe.projects.views import editing, pages, reports, workplan

app_name = "projects"

urlpatterns = [
    path("projects/", pages.public_list, name="public_list"),
    path("projects/mine/", pages.project_list, name="list"),
    path("projects/<str:code>/", pages.public_detail, name="public"),
    path("projects/<str:code>/internal/", pages.project_detail, name="detail"),
    path("projects/<str:code>/settings/", editing.project_settings, name="settings"),
    path("projects/<str:code>/grant/", pages.grant_page, name="grant"),
    path("projects/<str:code>/workplan/<str:kind>/<int:pk>/delete/", workplan.delete_item, name="delete_item"),
    path("projects/<str:code>/workplan/<str:kind>/<int:pk>/edit/", workplan.edit_item, name="edit_item"),
    path("projects/<str:code>/workplan/", workplan.workplan, name="workplan"),
    path("projects/<str:code>/timeline/", workplan.timeline_page, name="timeline"),
    path("projects/<str:code>/deliverables/<str:dcode>/", workplan.deliverable_page, name="deliverable"),
    path("projects/<str:code>/deliverables/<str:dcode>/file/", workplan.deliverable_file, name="deliverable_file"),
    path("projects/<str:code>/milestones/<int:pk>/", workplan.milestone_reached, name="milestone"),
    path("projects/<str:code>/reports/", reports.reports, name="reports"),
    path("projects/<str:code>/reports/<str:rcode>/", reports.report_page, name="report"),
    path("projects/<str:code>/grant/documents/<int:pk>/", pages.grant_document, name="grant_document"),
]
