from django.urls import path

from grappe.api import views
from grappe.api.api import api

app_name = "tokens"

urlpatterns = [
    path("accounts/profile/api-tokens/", views.token_list, name="list"),
    path("accounts/profile/api-tokens/<int:pk>/revoke/", views.token_revoke, name="revoke"),
    path("office/api-tokens/", views.office_token_list, name="office_list"),
]

api_urlpatterns = [path("api/v1/", api.urls)]
