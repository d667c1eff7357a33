from typing import Any

from django.core.management.base import BaseCommand

from circlewise.circles import demo
from circlewise.decisions import demo as decisions_demo
from circlewise.meetings import demo as meetings_demo
from circlewise.notifications.services import emails_paused
from circlewise.reviews import demo as reviews_demo
from circlewise.selections import demo as selections_demo


class Command(BaseCommand):
    help = "Load the demo organisation (Riverbend Ecovillage) unless it is already there."

    def handle(self, *args: Any, **options: Any) -> None:
        if demo.demo_exists():
            self.stdout.write("The demo organisation is already here; keeping your data.")
        else:
            # Its history is written in one go: notified in the app, emailed to nobody.
            with emails_paused():
                organisation = demo.load()
                decisions_demo.load(organisation)
                meetings_demo.load(organisation)
                reviews_demo.load(organisation)
                selections_demo.load(organisation)
            self.stdout.write("Loaded the demo organisation, Riverbend Ecovillage.")
        self.stdout.write("")
        self.stdout.write(f"Sign in with any of these (password: {demo.DEMO_PASSWORD}):")
        for email, who in demo.sign_ins():
            self.stdout.write(f"  {email:32} {who}")
        self.stdout.write("")
