from django.urls import path

from grappe.stages import views

app_name = "stages"

urlpatterns = [
    path("office/calls/<str:code>/stages/", views.stages_page, name="page"),
    path("office/calls/<str:code>/stages/link/", views.link_calls, name="link"),
    path("office/calls/<str:code>/stages/factors/", views.save_factors, name="factors"),
    path("office/calls/<str:code>/stages/recommend/", views.recommend, name="recommend"),
    path("office/calls/<str:code>/stages/notices/", views.send_notices, name="notices"),
    path("office/calls/<str:code>/stages/follow/", views.follow, name="follow"),
    path("office/calls/<str:code>/stages/reviewers/", views.choose_reviewer, name="reviewer"),
    path("office/calls/<str:code>/appeals/", views.appeals_page, name="appeals"),
    path("stages/proposals/<str:code>/decide/", views.decide, name="decide"),
    path("stages/proposals/<str:code>/redress/examine/", views.examine, name="examine"),
    path("proposals/<str:code>/rebuttal/", views.rebuttal_page, name="rebuttal"),
    path("proposals/<str:code>/redress/", views.redress_page, name="redress"),
    path("proposals/<str:code>/stage2/decline/", views.decline_invitation, name="decline"),
]
