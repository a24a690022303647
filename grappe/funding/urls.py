from django.urls import path

from grappe.funding.views import ledger, pages, settings, statements

app_name = "funding"

urlpatterns = [
    path("office/awards/", pages.awards, name="awards"),
    path("office/awards/<str:code>/open/", pages.open_project, name="open"),
    path("projects/<str:code>/budget/", pages.budget, name="budget"),
    path("projects/<str:code>/cofunding/", ledger.cofunding, name="cofunding"),
    path("projects/<str:code>/cofunding/<int:pk>/evidence/", ledger.contribution_file, name="contribution_file"),
    path("projects/<str:code>/payments/", ledger.payments, name="payments"),
    path("projects/<str:code>/dossier/", ledger.dossier, name="dossier"),
    path("projects/<str:code>/dossier/<int:pk>/dossier.zip", ledger.dossier_file, name="dossier_file"),
    path("office/programmes/<str:code>/ledger/", ledger.programme_ledger, name="ledger"),
    path("office/programmes/<str:code>/project-settings/", settings.programme_settings, name="programme_settings"),
    path("projects/<str:code>/statements/new/", statements.new_statement, name="new_statement"),
    path("projects/<str:code>/statements/<str:scode>/", statements.statement_page, name="statement"),
    path("projects/<str:code>/statements/<str:scode>/evidence/<int:pk>/", statements.evidence_file, name="evidence"),
    path("projects/<str:code>/reallocations/new/", statements.reallocate, name="reallocate"),
    path("projects/<str:code>/reallocations/<int:pk>/", statements.decide_reallocation, name="decide_reallocation"),
]
