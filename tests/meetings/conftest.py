"""The meetings' tests use the real SMTP server of the email tests."""

from tests.notifications.conftest import smtp  # noqa: F401
