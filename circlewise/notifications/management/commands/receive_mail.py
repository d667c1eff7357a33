"""`manage.py receive_mail`: the receiver of replies by email (notifications/receiver.py)."""

from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import BaseCommand

from circlewise.notifications import receiver, replies


class Command(BaseCommand):
    help = "Receive replies by email (SMTP, or LMTP with --lmtp) and take them into their threads."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8025)
        parser.add_argument("--lmtp", action="store_true", help="speak LMTP instead of SMTP")

    def handle(self, *args: Any, **options: Any) -> None:
        controller, handler = receiver.start(options["host"], options["port"], lmtp=options["lmtp"])
        stopping = False

        def stop(*_args: Any) -> None:
            nonlocal stopping
            stopping = True
            handler.arrived.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        protocol = "LMTP" if options["lmtp"] else "SMTP"
        self.stdout.write(
            f"Receiving replies by {protocol} on {options['host']}:{options['port']} "
            f"for {replies.reply_domain() or '(no REPLY_DOMAIN)'}"
        )
        try:
            replies.process_spool()  # what arrived before a restart
            while not stopping:
                handler.arrived.wait(timeout=30)
                handler.arrived.clear()
                for name, outcome in replies.process_spool().items():
                    self.stdout.write(f"{name}: {outcome}")
        finally:
            controller.stop()
