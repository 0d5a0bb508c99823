from django.urls import path

from .views import actions, agenda, forums, meetings, requests, reviews

app_name = "representation"

urlpatterns = [
    path("", forums.forums, name="forums"),
    path("forums/new/", forums.forum_new, name="forum_new"),
    path("forums/<int:pk>/", forums.forum, name="forum"),
    path("forums/<int:pk>/edit/", forums.forum_edit, name="forum_edit"),
    path("forums/<int:pk>/archive/", forums.forum_archive, name="forum_archive"),
    path("forums/<int:pk>/representatives/new/", forums.representative_new, name="representative_new"),
    path("forums/<int:pk>/meetings/new/", meetings.meeting_new, name="meeting_new"),
    path("leads/<int:pk>/end/", forums.lead_end, name="lead_end"),
    path("representatives/<int:pk>/", reviews.representative, name="representative"),
    path("representatives/<int:pk>/stand-down/", forums.representative_stand_down, name="representative_stand_down"),
    path("relationships/", forums.relationships, name="relationships"),
    path("relationships/<int:pk>/edit/", forums.relationship_edit, name="relationship_edit"),
    path("relationships/<int:pk>/archive/", forums.relationship_archive, name="relationship_archive"),
    path("meetings/<int:pk>/", meetings.meeting, name="meeting"),
    path("meetings/<int:pk>/edit/", meetings.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/items/", meetings.agenda_item_add, name="agenda_item_add"),
    path("items/<int:pk>/archive/", meetings.agenda_item_archive, name="agenda_item_archive"),
    path("items/<int:pk>/briefing/", meetings.briefing_edit, name="briefing"),
    path("items/<int:pk>/feedback/", meetings.feedback_edit, name="feedback"),
    path("briefings/<int:pk>/comments/", meetings.comment_add, name="comment_add"),
    path("feedback/<int:pk>/decision/", meetings.feedback_decision, name="feedback_decision"),
    path("actions/", actions.actions, name="actions"),
    path("actions/mine/", actions.my_actions, name="my_actions"),
    path("actions/new/", actions.action_new, name="action_new"),
    path("actions/<int:pk>/", actions.action, name="action"),
    path("reviews/", reviews.reviews, name="reviews"),
    path("requests/", requests.requests, name="requests"),
    path("requests/new/", requests.request_new, name="request_new"),
    path("requests/sent/", requests.request_sent, name="request_sent"),
    path("requests/<int:pk>/", requests.request_detail, name="request"),
    path("agenda/", agenda.agenda, name="agenda"),
    path("agenda/gather/", agenda.agenda_gather, name="agenda_gather"),
    path("agenda/items/", agenda.agenda_add, name="agenda_add"),
    path("agenda/items/<int:pk>/move/", agenda.agenda_move, name="agenda_move"),
    path("agenda/items/<int:pk>/remove/", agenda.agenda_remove, name="agenda_remove"),
]
