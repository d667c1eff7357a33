"""The REST API at /api/v1/: one NinjaAPI, a router per app, the same services as the pages."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="Circlewise API",
    version="1",
    urls_namespace="api",
    description="Organisations, circles, roles and terms, the ledger, feeds and notifications.",
)
