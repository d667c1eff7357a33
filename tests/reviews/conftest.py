"""The reviews' tests share the notifications' real SMTP server (aiosmtpd on loopback)."""

from tests.notifications.conftest import smtp  # noqa: F401
