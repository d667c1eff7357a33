from django.urls import path

from . import views

urlpatterns = [
    path("-/ping/", views.ping, name="ping"),
    path("-/verify_ledger_export.py", views.ledger_verifier, name="ledger_verifier"),
]
