"""The live room's WebSocket route, mounted in config/asgi.py."""

from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/meetings/<int:meeting_id>/", consumers.RoomConsumer.as_asgi()),
]
