from django.urls import path

from grappe.submissions.views import applicant, office

app_name = "submissions"

urlpatterns = [
    path("proposals/", applicant.my_proposals, name="mine"),
    path("calls/<str:call_code>/apply/", applicant.start, name="start"),
    path("proposals/invitations/<str:token>/", applicant.invitation, name="invitation"),
    path("proposals/<str:code>/", applicant.detail, name="detail"),
    path("proposals/<str:code>/details/", applicant.edit_details, name="edit_details"),
    path("proposals/<str:code>/team/", applicant.invite, name="invite"),
    path("proposals/<str:code>/team/<int:pk>/remove/", applicant.remove_member, name="remove_member"),
    path("proposals/<str:code>/partners/", applicant.add_partner, name="add_partner"),
    path("proposals/<str:code>/partners/<int:pk>/remove/", applicant.remove_partner, name="remove_partner"),
    path("proposals/<str:code>/cofunding/", applicant.save_cofunding, name="cofunding"),
    path("proposals/<str:code>/budget/", applicant.save_budget, name="budget"),
    path("proposals/<str:code>/answers/", applicant.save_answers, name="answers"),
    path("proposals/<str:code>/ethics/", applicant.save_ethics, name="ethics"),
    path("proposals/<str:code>/submit/", applicant.submit, name="submit"),
    path("proposals/<str:code>/withdraw/", applicant.withdraw, name="withdraw"),
    path("proposals/<str:code>/reopen/", applicant.reopen, name="reopen"),
    path("proposals/<str:code>/summary/", applicant.summary, name="summary"),
    path("proposals/<str:code>/files/<int:pk>/", applicant.attachment, name="attachment"),
    path("proposals/<str:code>/eligibility/", office.override_eligibility, name="override"),
    path("office/calls/<str:code>/proposals/", office.call_proposal_list, name="office_list"),
    path("office/calls/<str:code>/proposals.csv", office.export_csv, name="export_csv"),
    path("office/calls/<str:code>/proposals.xlsx", office.export_xlsx, name="export_xlsx"),
]
