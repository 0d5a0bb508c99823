"""The request form of an ICS, under `/ics/<ics-slug>/request/`: of no one place (gpleadership.urls)."""

from django.urls import path

from .views import requests

app_name = "ics_requests"

urlpatterns = [
    path("", requests.ics_request_new, name="new"),
    path("sent/", requests.ics_request_sent, name="sent"),
]
