from django.urls import path

from grappe.hearings import views

app_name = "hearings"

urlpatterns = [
    path("office/calls/<str:code>/hearings/", views.desk, name="desk"),
    path("office/calls/<str:code>/hearings/setup/", views.save_setup, name="setup"),
    path("office/calls/<str:code>/hearings/shortlist/", views.shortlist, name="shortlist"),
    path("office/calls/<str:code>/hearings/panel/", views.add_panel, name="panel"),
    path("office/calls/<str:code>/hearings/panel/<int:pk>/", views.member_availability, name="availability"),
    path("office/calls/<str:code>/hearings/runs/", views.run, name="run"),
    path("office/calls/<str:code>/hearings/runs/<int:pk>/adopt/", views.adopt, name="adopt"),
    path("office/calls/<str:code>/hearings/invitations/", views.invite, name="invite"),
    path("office/calls/<str:code>/honoraria/", views.honoraria, name="honoraria"),
    path("office/calls/<str:code>/honoraria/rates/", views.rates, name="rates"),
    path("office/calls/<str:code>/honoraria.xlsx", views.payment_file, name="payment_file"),
    path("office/hearings/<int:pk>/move/", views.move, name="move"),
    path("office/hearings/<int:pk>/remove/", views.remove, name="remove"),
    path("hearings/<int:pk>/", views.hearing, name="hearing"),
    path("hearings/<int:pk>/hearing.ics", views.ics, name="ics"),
    path("experts/", views.expert, name="expert"),
    path("experts/calls/<str:code>/declaration/", views.declaration, name="declaration"),
]
