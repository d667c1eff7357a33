from django.urls import path

from config.urls import urlpatterns as product

from . import proposal

urlpatterns = [
    path("bench/o/<slug:org>/c/<slug:circle>/", proposal.circle_detail, name="bench_circle_detail"),
    *product,
]
