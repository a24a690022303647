from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from grappe import views
from grappe.api.urls import api_urlpatterns
from grappe.core import views as core_views
from grappe.core.health import health

urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("office/activity/", core_views.activity, name="activity"),
    path("office/replay/<slug:kind>/<int:pk>/", core_views.replay_run, name="replay"),
    path("", include("grappe.people.urls")),
    path("", include("grappe.notifications.urls")),
    path("", include("grappe.programmes.urls")),
    path("", include("grappe.submissions.urls")),
    path("", include("grappe.calls.urls")),
    path("", include("grappe.review.urls")),
    path("", include("grappe.selection.urls")),
    path("", include("grappe.stages.urls")),
    path("", include("grappe.hearings.urls")),
    path("", include("grappe.accountability.urls")),
    path("", include("grappe.funding.urls")),
    path("", include("grappe.projects.urls")),
    path("", include("grappe.training.urls")),
    path("", include("grappe.partners.urls")),
    path("", include("grappe.api.urls")),
    path("", include("grappe.privacy.urls")),
    path("", include("grappe.reporting.urls")),
    path("", include("grappe.sso.urls")),
    *api_urlpatterns,
    path("admin/", admin.site.urls),
    path("favicon.ico", views.favicon),
    path("health/", health, name="health"),
]

handler403 = "grappe.views.permission_denied"
handler404 = "grappe.views.page_not_found"
handler500 = "grappe.views.server_error"
