"""A place's pages: every address here opens under the place's own, `/<place-slug>/…` (members.middleware)."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("about/", views.about, name="about"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/remind/<str:target>/<int:pk>/", views.dashboard_remind, name="dashboard_remind"),
    path("digest/", views.digest_preview, name="digest_preview"),
    path("digest/email.html", views.digest_preview_html, name="digest_preview_html"),
    path("digest/test/", views.digest_test_send, name="digest_test_send"),
    path("", include("members.urls")),
    path("decisions/", include("decisions.urls")),
    path("priorities/", include("priorities.urls")),
    path("representation/", include("representation.urls")),
]
