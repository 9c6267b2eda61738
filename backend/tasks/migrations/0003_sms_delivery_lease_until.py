from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0002_sms_delivery_notice"),
    ]

    operations = [
        migrations.AddField(
            model_name="smsdelivery",
            name="lease_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
