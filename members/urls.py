from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("directory/", views.directory, name="directory"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation"),
    path("group/", views.group, name="group"),
    path("group/manage/", views.group_manage, name="group_manage"),
    path("group/seats/add/", views.seat_create, name="seat_create"),
    path("group/seats/<int:pk>/", views.seat_edit, name="seat_edit"),
    path("group/seats/<int:pk>/retire/", views.seat_retire, name="seat_retire"),
    path("group/roles/add/", views.group_role_create, name="group_role_create"),
    path("group/roles/<int:pk>/end/", views.group_role_end, name="group_role_end"),
    path("interests/", views.declarations, name="declarations"),
    path("interests/<int:pk>/end/", views.declaration_end, name="declaration_end"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/accept/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
