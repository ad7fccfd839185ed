"""A member's actions list read in order for every sort key (issue #13, item 3).

One index per sort key led by the participant, as a member's list is scoped
(`permissions.scope_actions`). The participant-and-status index becomes one of them (with the
id that breaks ties): it is added before the old one is removed, so counts by status always
have one.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("declarations", "0005_theme_updated_at"),
        ("tracking", "0025_form_submission_created_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="action",
            index=models.Index(
                fields=["participant", "title", "id"], name="action_participant_title"
            ),
        ),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(
                fields=["participant", "lead_institution", "id"], name="action_participant_lead"
            ),
        ),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(
                fields=["participant", "status", "id"], name="action_participant_status"
            ),
        ),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(
                fields=["participant", "progress", "id"], name="action_participant_progress"
            ),
        ),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(
                fields=["participant", "start_date", "id"], name="action_participant_start"
            ),
        ),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(
                fields=["participant", "end_date", "id"], name="action_participant_end"
            ),
        ),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(
                fields=["participant", "updated_at", "id"], name="action_participant_updated"
            ),
        ),
        migrations.RemoveIndex(
            model_name="action",
            name="tracking_ac_partici_9fc62d_idx",
        ),
    ]
