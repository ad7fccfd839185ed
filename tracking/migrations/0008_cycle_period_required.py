from django.db import migrations, models


class Migration(migrations.Migration):
    """The schema changes that follow 0007's data: apart, so that PostgreSQL does not alter
    tables that still have pending trigger events from the rows 0007 wrote."""

    dependencies = [
        ("tracking", "0007_seal_submissions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicalreportingcycle",
            name="ends_on",
            field=models.DateField(verbose_name="period ends on"),
        ),
        migrations.AlterField(
            model_name="reportingcycle",
            name="ends_on",
            field=models.DateField(verbose_name="period ends on"),
        ),
        migrations.RemoveField(
            model_name="historicalreportingcycle",
            name="is_open",
        ),
        migrations.RemoveField(
            model_name="reportingcycle",
            name="is_open",
        ),
        migrations.AddConstraint(
            model_name="reportingcycle",
            constraint=models.CheckConstraint(
                condition=models.Q(("ends_on__gte", models.F("starts_on"))),
                name="cycle_ends_after_start",
            ),
        ),
    ]
