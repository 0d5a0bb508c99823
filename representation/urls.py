from django.urls import path

from . import views

app_name = "representation"

urlpatterns = [
    path("", views.forums, name="forums"),
    path("forums/new/", views.forum_new, name="forum_new"),
    path("forums/<int:pk>/", views.forum, name="forum"),
    path("forums/<int:pk>/edit/", views.forum_edit, name="forum_edit"),
    path("forums/<int:pk>/archive/", views.forum_archive, name="forum_archive"),
    path("forums/<int:pk>/representatives/new/", views.representative_new, name="representative_new"),
    path("forums/<int:pk>/meetings/new/", views.meeting_new, name="meeting_new"),
    path("leads/<int:pk>/end/", views.lead_end, name="lead_end"),
    path("representatives/<int:pk>/", views.representative, name="representative"),
    path("representatives/<int:pk>/stand-down/", views.representative_stand_down, name="representative_stand_down"),
    path("relationships/", views.relationships, name="relationships"),
    path("relationships/<int:pk>/edit/", views.relationship_edit, name="relationship_edit"),
    path("relationships/<int:pk>/archive/", views.relationship_archive, name="relationship_archive"),
    path("meetings/<int:pk>/", views.meeting, name="meeting"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/items/", views.agenda_item_add, name="agenda_item_add"),
    path("items/<int:pk>/archive/", views.agenda_item_archive, name="agenda_item_archive"),
    path("items/<int:pk>/briefing/", views.briefing_edit, name="briefing"),
    path("items/<int:pk>/feedback/", views.feedback_edit, name="feedback"),
    path("briefings/<int:pk>/comments/", views.comment_add, name="comment_add"),
    path("feedback/<int:pk>/decision/", views.feedback_decision, name="feedback_decision"),
    path("actions/", views.actions, name="actions"),
    path("actions/mine/", views.my_actions, name="my_actions"),
    path("actions/new/", views.action_new, name="action_new"),
    path("actions/<int:pk>/", views.action, name="action"),
    path("reviews/", views.reviews, name="reviews"),
    path("requests/", views.requests, name="requests"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/sent/", views.request_sent, name="request_sent"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("agenda/", views.agenda, name="agenda"),
    path("agenda/gather/", views.agenda_gather, name="agenda_gather"),
    path("agenda/items/", views.agenda_add, name="agenda_add"),
    path("agenda/items/<int:pk>/move/", views.agenda_move, name="agenda_move"),
    path("agenda/items/<int:pk>/remove/", views.agenda_remove, name="agenda_remove"),
]
