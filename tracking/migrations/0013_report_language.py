import tracking.models
from django.db import migrations, models


class Migration(migrations.Migration):
    """Reports get the language they are written in; the ones built before were in English."""

    dependencies = [
        ("tracking", "0012_evidence_confidentiality"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="language",
            field=models.CharField(default="en", max_length=10, verbose_name="language"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="report",
            name="language",
            field=models.CharField(
                default=tracking.models.default_language, max_length=10, verbose_name="language"
            ),
        ),
    ]
