from django.urls import path

from . import views

app_name = "me"

urlpatterns = [
    path("", views.account, name="account"),
    path("contact/", views.contact_details, name="contact_details"),
    path("calendar/create/", views.calendar_create, name="calendar_create"),
    path("calendar/reset/", views.calendar_reset, name="calendar_reset"),
    path("news/", views.notification_choices, name="notification_choices"),
]
