from django.urls import path

from grappe.sso import views

app_name = "sso"

urlpatterns = [
    path("sso/saml/acs/", views.saml_acs, name="saml_acs"),
    path("sso/saml/finish/<str:key>/", views.saml_finish, name="saml_finish"),
    path("sso/orcid/welcome/<str:key>/", views.newcomer, name="newcomer"),
    path("sso/saml/slo/", views.saml_slo, name="saml_slo"),
    path("sso/saml/metadata/", views.saml_metadata, name="saml_metadata"),
    path("sso/<str:provider>/login/", views.start_login, name="login"),
    path("sso/<str:provider>/link/", views.start_link, name="link"),
    path("sso/<str:provider>/callback/", views.oidc_callback, name="oidc_callback"),
    path("accounts/identities/", views.identities, name="identities"),
    path("accounts/identities/<int:pk>/unlink/", views.unlink_identity, name="unlink"),
]
