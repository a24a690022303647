from django.urls import path

from grappe.privacy import views

app_name = "privacy"

urlpatterns = [
    path("accounts/profile/my-data/", views.my_data, name="mine"),
    path("accounts/profile/my-data/download/", views.my_data_download, name="mine_download"),
    path("accounts/profile/my-data/erasure/", views.my_data_erasure, name="mine_erasure"),
    path("office/people/<str:code>/data/", views.person_data, name="person"),
    path("office/people/<str:code>/data/download/", views.person_data_download, name="person_download"),
    path("office/people/<str:code>/data/erase/", views.person_erase, name="person_erase"),
    path("office/privacy/register/", views.processing_register, name="register"),
]
