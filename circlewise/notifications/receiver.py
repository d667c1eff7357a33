"""The mail receiver: aiosmtpd speaking SMTP or LMTP on a local port, for replies by email.

A mail server (Postfix, Exim, a provider's forwarding) hands the replies for REPLY_DOMAIN to it
(README, "Replies by email"). It accepts only reply addresses of this site (anything else: 550,
no such address), writes each message to the spool before it answers 250 (nothing acknowledged is
lost), and wakes the process that takes them into their threads (`replies.process_spool`, run by
`manage.py receive_mail` in its main thread, where Django's database connection lives).
"""

from __future__ import annotations

import threading
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP

from . import replies

MAX_MESSAGE = 10 * 1024 * 1024


class ReplyHandler:
    def __init__(self) -> None:
        self.arrived = threading.Event()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if not replies.is_ours(address):
            return "550 5.1.1 No such address here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if not isinstance(raw, bytes):
            raw = str(raw).encode()
        if len(raw) > MAX_MESSAGE:
            return "552 5.3.4 Message too big"
        try:
            replies.spool(raw, list(envelope.rcpt_tos))
        except OSError:
            return "451 4.3.0 Could not keep the message; try again later"
        self.arrived.set()
        return "250 OK"


class LMTPController(Controller):
    def factory(self) -> LMTP:
        return LMTP(self.handler, data_size_limit=MAX_MESSAGE)


def start(host: str, port: int, *, lmtp: bool = False) -> tuple[Controller, ReplyHandler]:
    handler = ReplyHandler()
    cls = LMTPController if lmtp else Controller
    controller = cls(handler, hostname=host, port=port, data_size_limit=MAX_MESSAGE)
    controller.start()
    return controller, handler
