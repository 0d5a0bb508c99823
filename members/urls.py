from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("directory/", views.directory, name="directory"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation"),
    path("group/", views.group, name="group"),
    path("interests/", views.declarations, name="declarations"),
    path("interests/<int:pk>/end/", views.declaration_end, name="declaration_end"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/accept/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
