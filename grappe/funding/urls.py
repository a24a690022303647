from django.urls import path

from grappe.funding.views import pages, statements

app_name = "funding"

urlpatterns = [
    path("office/awards/", pages.awards, name="awards"),
    path("office/awards/<str:code>/open/", pages.open_project, name="open"),
    path("projects/<str:code>/budget/", pages.budget, name="budget"),
    path("projects/<str:code>/cofunding/", pages.cofunding, name="cofunding"),
    path("projects/<str:code>/statements/new/", statements.new_statement, name="new_statement"),
    path("projects/<str:code>/statements/<str:scode>/", statements.statement_page, name="statement"),
    path("projects/<str:code>/statements/<str:scode>/evidence/<int:pk>/", statements.evidence_file, name="evidence"),
    path("projects/<str:code>/reallocations/new/", statements.reallocate, name="reallocate"),
    path("projects/<str:code>/reallocations/<int:pk>/", statements.decide_reallocation, name="decide_reallocation"),
]
