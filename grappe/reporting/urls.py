from django.urls import path

from grappe.reporting.views import office, public

app_name = "reporting"

urlpatterns = [
    path("impact/", public.impact, name="impact"),
    path("office/reporting/", office.index, name="index"),
    path("office/reporting/<str:code>/", office.dashboard, name="dashboard"),
    path("office/reporting/<str:code>/indicators/", office.catalogue, name="catalogue"),
    path("office/reporting/<str:code>/indicators/new/", office.indicator_new, name="indicator_new"),
    path("office/reporting/<str:code>/indicators/<int:pk>/", office.indicator_page, name="indicator"),
    path("office/reporting/<str:code>/indicators/<int:pk>/edit/", office.indicator_edit, name="indicator_edit"),
    path("office/reporting/<str:code>/indicators/<int:pk>/delete/", office.indicator_delete, name="indicator_delete"),
    path("office/reporting/<str:code>/evidence/<int:pk>/", office.evidence, name="evidence"),
    path("office/reporting/<str:code>/evidence/versions/<int:pk>/", office.evidence_version, name="evidence_version"),
    path("office/reporting/<str:code>/figures/<str:name>/", office.drill, name="drill"),
    path("office/reporting/<str:code>/reports/", office.reports, name="reports"),
    path("office/reporting/<str:code>/reports/<str:rcode>/", office.report_page, name="report"),
    path("office/reporting/<str:code>/reports/<str:rcode>/report.<str:kind>", office.report_file, name="report_file"),
    path("office/reporting/<str:code>/quality/", office.quality, name="quality"),
]
