from django.urls import path

from grappe.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/read/", views.mark_read, name="mark_read"),
    path("notifications/unread/", views.unread_badge, name="unread"),
    path("notifications/<int:pk>/", views.notification_detail, name="detail"),
    path("accounts/profile/notifications/", views.preferences, name="preferences"),
]
