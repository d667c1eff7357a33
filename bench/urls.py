from django.urls import path

from config.urls import urlpatterns as product

from . import proposal

urlpatterns = [
    path("bench/o/<slug:org>/c/<slug:circle>/", proposal.circle_detail, name="bench_circle_detail"),
    path("bench/o/<slug:org>/chrome/", proposal.chrome, name="bench_chrome"),
    path("bench/o/<slug:org>/chrome-given/", proposal.chrome_without_nav_queries),
    path("bench/o/<slug:org>/c/<slug:circle>/page/", proposal.circle_detail_whole_page),
    path("bench/o/<slug:org>/c/<slug:circle>/lean/", proposal.circle_detail_lean),
    *product,
]
