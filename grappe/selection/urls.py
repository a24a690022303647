from django.urls import path

from grappe.selection import views

app_name = "selection"

urlpatterns = [
    path("office/calls/<str:code>/selection/", views.ranking_page, name="ranking"),
    path("office/calls/<str:code>/selection/settings/", views.save_settings, name="settings"),
    path("office/calls/<str:code>/selection/portfolio/", views.portfolio_page, name="portfolio"),
    path("office/calls/<str:code>/selection/decisions/", views.ledger, name="ledger"),
    path("office/calls/<str:code>/selection/portfolio/<int:pk>/adopt/", views.adopt_run, name="adopt"),
    path("office/calls/<str:code>/selection/ranking.xlsx", views.export_ranking, name="export"),
    path("office/calls/<str:code>/selection/letters/", views.outbox, name="outbox"),
    path("selection/proposals/<str:code>/declined/", views.team_declines, name="team_declines"),
    path("selection/proposals/<str:code>/summary.pdf", views.summary_pdf, name="summary_pdf"),
    path("selection/proposals/<str:code>/consensus/", views.consensus_page, name="consensus"),
    path("selection/proposals/<str:code>/decision/", views.decision_page, name="decision"),
]
