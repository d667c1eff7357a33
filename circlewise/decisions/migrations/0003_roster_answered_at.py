from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def mark_answered(apps, schema_editor):
    """Each roster entry whose member has answered in its round takes the answer's time."""
    RosterEntry = apps.get_model("decisions", "RosterEntry")
    ConsentResponse = apps.get_model("decisions", "ConsentResponse")
    answered = ConsentResponse.objects.filter(
        round_id=OuterRef("round_id"), user_id=OuterRef("user_id")
    ).values("created_at")[:1]
    RosterEntry.objects.filter(answered_at__isnull=True).update(answered_at=Subquery(answered))


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0002_policy_action"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="rosterentry",
            name="answered_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="rosterentry",
            index=models.Index(
                condition=models.Q(
                    ("answered_at__isnull", True),
                    ("left_circle_at__isnull", True),
                    ("required", True),
                ),
                fields=["round"],
                name="roster_waiting",
            ),
        ),
        migrations.RunPython(mark_answered, migrations.RunPython.noop),
    ]
