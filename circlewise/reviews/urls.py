from django.urls import path

from . import views

app_name = "reviews"

org = "o/<slug:org>/"

urlpatterns = [
    path(org + "reviews/", views.my_reviews, name="my_reviews"),
    path(org + "reviews/<int:review_id>/", views.review_detail, name="review_detail"),
    path(org + "reviews/<int:review_id>/act/", views.review_act, name="review_act"),
    path(
        org + "c/<slug:circle>/assignments/<int:assignment_id>/review/",
        views.review_start,
        name="review_start",
    ),
]
