from typing import Any

from django.core.management.base import BaseCommand

from circlewise.decisions.services import end_expired_helping_circles, send_reminders


class Command(BaseCommand):
    help = (
        "End the helping circles whose end date has passed (their open work goes to their parent "
        "circles), then put policy reviews and role terms that fall due on their circles' backlogs and remind the "
        "circles, weekly until handled. The scheduler (`manage.py crontask`) has the worker run "
        "this every hour; this command runs it now. Running it again sends nothing twice."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        ended = end_expired_helping_circles()
        sent = send_reminders()
        self.stdout.write(f"{ended} helping circles ended, {sent} reminders sent")
