from django.urls import path

from grappe.review import views

app_name = "review"

urlpatterns = [
    path("office/calls/<str:code>/review/", views.desk, name="desk"),
    path("office/calls/<str:code>/review/settings/", views.save_settings, name="settings"),
    path("office/calls/<str:code>/review/invite/", views.invite, name="invite"),
    path("office/calls/<str:code>/review/conflicts/", views.conflicts, name="conflicts"),
    path("office/calls/<str:code>/review/conflicts/compute/", views.compute_conflicts, name="compute_conflicts"),
    path("office/calls/<str:code>/review/loads/", views.set_loads, name="set_loads"),
    path("office/calls/<str:code>/review/conflicts/<int:pk>/waive/", views.waive, name="waive"),
    path("office/calls/<str:code>/review/conflicts/add/", views.add_conflict, name="add_conflict"),
    path("office/calls/<str:code>/review/affinity/", views.start_affinity, name="start_affinity"),
    path("office/calls/<str:code>/review/runs/", views.start_assignment, name="start_assignment"),
    path("office/calls/<str:code>/review/assignments/", views.assignments, name="assignments"),
    path("office/calls/<str:code>/review/remind/", views.remind, name="remind"),
    path("office/calls/<str:code>/review/reviews.xlsx", views.export_reviews, name="export_reviews"),
    path("office/calls/<str:code>/review/assignments/add/", views.add_assignment, name="add_assignment"),
    path(
        "office/calls/<str:code>/review/assignments/<int:pk>/remove/",
        views.remove_assignment,
        name="remove_assignment",
    ),
    path("office/review/runs/<int:pk>/", views.run_detail, name="run"),
    path("office/review/runs/<int:pk>/publish/", views.publish, name="publish"),
    path("office/review/runs/<int:pk>/restart/", views.restart, name="restart_run"),
    path("office/review/assignments/<int:pk>/replace/", views.replace, name="replace"),
    path("reviews/", views.mine, name="mine"),
    path("reviews/invitations/<str:token>/", views.invitation, name="invitation"),
    path("reviews/calls/<str:code>/bids/", views.bids, name="bids"),
    path("reviews/publications/", views.publications, name="publications"),
    path("reviews/publications/<int:pk>/delete/", views.delete_publication, name="delete_publication"),
    path("reviews/publications/imports/<int:pk>/", views.publication_import, name="publication_import"),
    path("office/experts/<str:code>/publications/", views.publications, name="expert_publications"),
    path("reviews/<int:pk>/", views.review, name="review"),
    path("reviews/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("reviews/<int:pk>/conflict/", views.declare, name="declare"),
    path("reviews/<int:pk>/decline/", views.decline, name="decline"),
]
