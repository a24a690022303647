from django.urls import path

from grappe.review.views import office, reviewer, runs

app_name = "review"

urlpatterns = [
    path("office/calls/<str:code>/review/", office.desk, name="desk"),
    path("office/calls/<str:code>/review/settings/", office.save_settings, name="settings"),
    path("office/calls/<str:code>/review/invite/", office.invite, name="invite"),
    path("office/calls/<str:code>/review/conflicts/", office.conflicts, name="conflicts"),
    path("office/calls/<str:code>/review/conflicts/compute/", office.compute_conflicts, name="compute_conflicts"),
    path("office/calls/<str:code>/review/loads/", office.set_loads, name="set_loads"),
    path("office/calls/<str:code>/review/conflicts/<int:pk>/waive/", office.waive, name="waive"),
    path("office/calls/<str:code>/review/conflicts/add/", office.add_conflict, name="add_conflict"),
    path("office/calls/<str:code>/review/affinity/", runs.start_affinity, name="start_affinity"),
    path("office/calls/<str:code>/review/runs/", runs.start_assignment, name="start_assignment"),
    path("office/calls/<str:code>/review/assignments/", office.assignments, name="assignments"),
    path("office/calls/<str:code>/review/remind/", office.remind, name="remind"),
    path("office/calls/<str:code>/review/reviews.xlsx", office.export_reviews, name="export_reviews"),
    path("office/calls/<str:code>/review/assignments/add/", office.add_assignment, name="add_assignment"),
    path(
        "office/calls/<str:code>/review/assignments/<int:pk>/remove/",
        office.remove_assignment,
        name="remove_assignment",
    ),
    path("office/review/runs/<int:pk>/", runs.run_detail, name="run"),
    path("office/review/runs/<int:pk>/publish/", runs.publish, name="publish"),
    path("office/review/runs/<int:pk>/restart/", runs.restart, name="restart_run"),
    path("office/review/assignments/<int:pk>/replace/", office.replace, name="replace"),
    path("reviews/", reviewer.mine, name="mine"),
    path("reviews/invitations/<str:token>/", reviewer.invitation, name="invitation"),
    path("reviews/calls/<str:code>/bids/", reviewer.bids, name="bids"),
    path("reviews/publications/", reviewer.publications, name="publications"),
    path("reviews/publications/<int:pk>/delete/", reviewer.delete_publication, name="delete_publication"),
    path("reviews/publications/imports/<int:pk>/", reviewer.publication_import, name="publication_import"),
    path("office/experts/<str:code>/publications/", reviewer.publications, name="expert_publications"),
    path("reviews/<int:pk>/", reviewer.review, name="review"),
    path("reviews/<int:pk>/confirm/", reviewer.confirm, name="confirm"),
    path("reviews/<int:pk>/conflict/", reviewer.declare, name="declare"),
    path("reviews/<int:pk>/decline/", reviewer.decline, name="decline"),
    path("reviews/<int:pk>/poor-match/", reviewer.flag_match, name="flag_match"),
]
