from django.urls import path

from . import views

app_name = "circles"
urlpatterns = [
    path("o/<slug:org>/", views.org_home, name="org_home"),
    path("o/<slug:org>/c/<slug:circle>/", views.circle_detail, name="circle_detail"),
]
