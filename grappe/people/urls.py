from django.urls import path

from grappe.people.views import accounts, directory, office

app_name = "people"

urlpatterns = [
    # Accounts
    path("accounts/register/", accounts.register, name="register"),
    path("accounts/verify/<str:token>/", accounts.verify, name="verify_email"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/resend-confirmation/", accounts.resend_verification_email, name="resend_verification"),
    path("accounts/logout/", accounts.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password-reset/sent/", accounts.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password-reset/done/",
        accounts.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/profile/", accounts.profile, name="profile"),
    # Public directory
    path("directory/", directory.directory, name="directory"),
    path("directory/<str:code>/", directory.public_organisation, name="public_organisation"),
    # Office
    path("office/organisations/", office.organisation_list, name="organisation_list"),
    path("office/organisations/new/", office.organisation_create, name="organisation_create"),
    path("office/organisations/<str:code>/", office.organisation_detail, name="organisation_detail"),
    path("office/organisations/<str:code>/edit/", office.organisation_edit, name="organisation_edit"),
    path("office/people/", office.person_list, name="person_list"),
    path("office/people/new/", office.person_create, name="person_create"),
    path("office/people/<str:code>/", office.person_detail, name="person_detail"),
    path("office/people/<str:code>/edit/", office.person_edit, name="person_edit"),
    path("office/people/<str:code>/affiliations/", office.affiliation_add, name="affiliation_add"),
    path("office/people/<str:code>/affiliations/<int:pk>/end/", office.affiliation_end, name="affiliation_end"),
    path("office/people/<str:code>/roles/", office.role_grant, name="role_grant"),
    path("office/people/<str:code>/roles/<int:pk>/revoke/", office.role_revoke, name="role_revoke"),
]
