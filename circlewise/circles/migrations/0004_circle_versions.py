"""The last event of each circle and the organisation's own last event, with their hashes: what
core.cache.circle_version reads."""

from django.db import migrations, models


def fill(apps, schema_editor):
    Organisation = apps.get_model("circles", "Organisation")
    Circle = apps.get_model("circles", "Circle")
    LedgerEvent = apps.get_model("core", "LedgerEvent")
    for org in Organisation.objects.all():
        last = (
            LedgerEvent.objects.filter(organisation_id=org.pk, circle_id__isnull=True)
            .order_by("-sequence")
            .values_list("sequence", "hash")
            .first()
        )
        if last is not None:
            Organisation.objects.filter(pk=org.pk).update(
                general_sequence=last[0], general_head=last[1]
            )
        for circle_id, sequence in Circle.objects.filter(
            organisation_id=org.pk, ledger_sequence__gt=0
        ).values_list("pk", "ledger_sequence"):
            head = (
                LedgerEvent.objects.filter(organisation_id=org.pk, sequence=sequence)
                .values_list("hash", flat=True)
                .first()
            )
            Circle.objects.filter(pk=circle_id).update(ledger_head=head or "")


class Migration(migrations.Migration):
    dependencies = [
        ("circles", "0003_plain_words"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="general_sequence",
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="organisation",
            name="general_head",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="circle",
            name="ledger_head",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
