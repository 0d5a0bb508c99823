from django.urls import path

from . import views

app_name = "priorities"

urlpatterns = [
    path("", views.exercise_list, name="list"),
    path("new/", views.exercise_create, name="exercise_create"),
    path("<int:pk>/", views.exercise_detail, name="exercise"),
    path("<int:pk>/edit/", views.exercise_edit, name="exercise_edit"),
    path("<int:pk>/candidates/", views.candidate_add, name="candidate_add"),
    path("candidates/<int:pk>/edit/", views.candidate_edit, name="candidate_edit"),
    path("candidates/<int:pk>/remove/", views.candidate_remove, name="candidate_remove"),
    path("<int:pk>/open/", views.exercise_open, name="exercise_open"),
    path("<int:pk>/close/", views.exercise_close, name="exercise_close"),
    path("<int:pk>/publish/", views.exercise_publish, name="exercise_publish"),
    path("<int:pk>/archive/", views.exercise_archive, name="exercise_archive"),
    path("<int:pk>/vote/<int:practice_pk>/", views.vote, name="vote"),
    path("email/ballot/<str:token>/", views.ballot_by_link, name="ballot_by_link"),
    path("<int:pk>/agree/", views.priorities_confirm, name="confirm"),
    path("agreed/<int:pk>/", views.priority_detail, name="priority"),
    path("agreed/<int:pk>/plan/new/", views.plan_item_add, name="plan_item_add"),
    path("plan/<int:pk>/edit/", views.plan_item_edit, name="plan_item_edit"),
    path("plan/<int:pk>/remove/", views.plan_item_remove, name="plan_item_remove"),
]
