from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from . import views

# The admin signs in through allauth too, so it gets the same rate limits and verified-email rule.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "GP Leadership Portal administration"

# Pages of no one place: the home page (a place's home under its address, the place chooser without one), an ICS's
# leaders' page and request form, signing in, the administrators' site. Everything else is a place's (place_urls),
# under `/<place-slug>/`.
urlpatterns = [
    path("", views.home, name="home"),
    path("places/", views.place_chooser, name="place_chooser"),
    path("ics/<slug:slug>/", views.ics_leaders, name="ics"),
    path("ics/<slug:slug>/request/", include("representation.ics_urls")),
    path("account/", include("members.account_urls")),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    # A person's NHSmail identity is connected when they first sign in with NHSmail (members/adapters.py); allauth's
    # page for connecting and disconnecting other accounts by hand is not offered.
    path("accounts/3rdparty/", views.not_offered),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("gpleadership.place_urls")),
]
