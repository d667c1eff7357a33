from django.contrib import admin
from django.urls import include, path

from circlewise.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("", include("circlewise.accounts.urls")),
    path("", include("circlewise.notifications.urls")),
    path("", include("circlewise.decisions.urls")),
    path("", include("circlewise.discussions.urls")),
    path("", include("circlewise.meetings.urls")),
    path("", include("circlewise.reviews.urls")),
    path("", include("circlewise.selections.urls")),
    path("", include("circlewise.circles.urls")),
    path("", include("circlewise.core.urls")),
]

handler400 = "circlewise.core.views.bad_request"
handler404 = "circlewise.core.views.not_found"
