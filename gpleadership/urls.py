from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from . import views

# The admin signs in through allauth too, so it gets the same rate limits and verified-email rule.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "GP Leadership Portal administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("digest/", views.digest_preview, name="digest_preview"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("members.urls")),
    path("decisions/", include("decisions.urls")),
    path("priorities/", include("priorities.urls")),
    path("representation/", include("representation.urls")),
]
