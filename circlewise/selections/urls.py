from django.urls import path

from . import views

app_name = "selections"

org = "o/<slug:org>/"

urlpatterns = [
    path(org + "selections/", views.selection_list, name="selection_list"),
    path(org + "selections/<int:selection_id>/", views.selection_detail, name="selection_detail"),
    path(org + "selections/<int:selection_id>/act/", views.selection_act, name="selection_act"),
    path(
        org + "c/<slug:circle>/roles/<int:role_id>/selection/",
        views.selection_start,
        name="selection_start",
    ),
    path(
        org + "c/<slug:circle>/selections/new/",
        views.selection_start_many,
        name="selection_start_many",
    ),
    path(
        org + "c/<slug:circle>/assignments/<int:assignment_id>/step-down/",
        views.step_down,
        name="step_down",
    ),
]
