from django.urls import path

from . import views

app_name = "decisions"

urlpatterns = [
    path("", views.log, name="log"),
    path("export.csv", views.log_csv, name="log_csv"),
    path("published/", views.published, name="published"),
    path("public/", views.public, name="public"),
    path("new/", views.item_create, name="item_create"),
    path("principles/", views.principles, name="principles"),
    path("principles/<int:pk>/", views.principle_edit, name="principle_edit"),
    path("principles/<int:pk>/retire/", views.principle_archive, name="principle_archive"),
    path("email/acknowledge/<str:token>/", views.acknowledge_by_link, name="acknowledge_by_link"),
    path("email/respond/<str:token>/", views.respond_by_link, name="respond_by_link"),
    path("<int:pk>/", views.item, name="item"),
    path("<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("<int:pk>/discuss/", views.item_start_discussion, name="item_start_discussion"),
    path("<int:pk>/comments/", views.comment_add, name="comment_add"),
    path("<int:pk>/interests/", views.interest_declare, name="interest_declare"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:pk>/papers/", views.paper_add, name="paper_add"),
    path("<int:pk>/papers/<int:paper_pk>/", views.paper, name="paper"),
    path("<int:pk>/rounds/open/", views.round_open, name="round_open"),
    path("<int:pk>/rounds/<int:number>/close/", views.round_close, name="round_close"),
    path("<int:pk>/rounds/<int:number>/seats/<int:seat_pk>/", views.respond, name="respond"),
    path("<int:pk>/rounds/<int:number>/seats/<int:seat_pk>/on-behalf/", views.record_for_seat, name="record_for_seat"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/<slug:outcome>/", views.item_end, name="item_end"),
]
