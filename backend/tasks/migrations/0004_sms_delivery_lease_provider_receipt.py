from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0003_sms_language_segments_scenario"),
    ]

    operations = [
        migrations.AddField(
            model_name="smsdelivery",
            name="lease_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="smsdelivery",
            name="provider",
            field=models.CharField(blank=True, default="", max_length=32),
        ),
        migrations.AddField(
            model_name="smsdelivery",
            name="receipt",
            field=models.CharField(
                blank=True,
                choices=[
                    ("delivered", "delivered"),
                    ("undelivered", "undelivered"),
                    ("rejected", "rejected"),
                    ("expired", "expired (no final state before the give-up time)"),
                ],
                default="",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="smsdelivery",
            name="receipt_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="smsdelivery",
            name="receipt_checks",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="smsdelivery",
            name="receipt_due_at",
            field=models.DateTimeField(blank=True, db_index=True, null=True),
        ),
    ]
