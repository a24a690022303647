from django.urls import path

from grappe.partners.views import matching, office, portal

app_name = "partners"

urlpatterns = [
    path("office/partners/", office.partner_list, name="list"),
    path("office/partners/export.xlsx", office.partner_export, name="export"),
    path("office/partners/funnel/", office.funnel, name="funnel"),
    path("office/partners/<str:code>/", office.partner_detail, name="detail"),
    path("office/partners/<str:code>/<str:what>/", office.partner_add, name="add"),
    path("partners/<str:code>/agreements/<int:pk>/pdf/", office.agreement_file, name="agreement_file"),
    path("partner/", portal.portal_home, name="portal_home"),
    path("partner/<str:code>/", portal.portal, name="portal"),
    path("partner/<str:code>/profile/", portal.public_profile, name="profile"),
    path("partner/<str:code>/challenges/new/", portal.challenge_new, name="challenge_new"),
    path("partners/", matching.partner_directory, name="directory"),
    path("partners/<str:code>/", matching.partner_public, name="public"),
    path("challenges/", matching.challenge_list, name="challenges"),
    path("challenges/<str:code>/", matching.challenge_detail, name="challenge"),
    path("challenges/<str:code>/edit/", matching.challenge_edit, name="challenge_edit"),
    path("challenges/<str:code>/close/", matching.challenge_close, name="challenge_close"),
    path("challenges/<str:code>/suggest/", matching.challenge_suggest, name="suggest"),
    path("challenges/<str:code>/requests/", matching.challenge_requests, name="challenge_requests"),
    path("challenges/<str:code>/respond/", matching.challenge_respond, name="respond"),
    path("requests/<str:code>/", matching.request_detail, name="request"),
    path("matchmaking/", matching.my_matchmaking, name="mine"),
    path("proposals/<str:code>/find-partners/", matching.find_partners, name="find_partners"),
]
