"""The ceiling of the room benchmark: a bare Channels consumer, served like the product.

    granian --interface asgi bench.ceiling:application

A screen connects to /ws/ceiling/<room>/ and joins that room's group; whatever one screen sends
is handed to the group as it is, padded to the size the room's own messages have, and every
consumer sends it on untouched: no session, no permission, no database, no rendering. The
time this takes to reach every screen is what the channel layer, the server and the clients
cost, and no room can do better (bench/room.py prints it beside the room's figures).
"""

from __future__ import annotations

import json
import os
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402


class Bare(AsyncWebsocketConsumer):  # type: ignore[misc]
    async def connect(self) -> None:
        self.group = f"ceiling-{self.scope['url_route']['kwargs']['room']}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        asked: dict[str, Any] = json.loads(text_data or "{}")
        text = json.dumps({"version": asked.get("version", 0), "html": "x" * asked.get("size", 0)})
        await self.channel_layer.group_send(self.group, {"type": "fan", "text": text})

    async def fan(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])


application = ProtocolTypeRouter(
    {"websocket": URLRouter([path("ws/ceiling/<int:room>/", Bare.as_asgi())])}
)
