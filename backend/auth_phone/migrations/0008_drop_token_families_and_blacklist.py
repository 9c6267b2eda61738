"""The token families and simplejwt's blacklist tables go; the sessions (0007) hold all
they held that still counts.

Django drops no table of an app that leaves INSTALLED_APPS, and the blacklist app left
with this release, so its two tables are dropped here, through the schema editor and the
unmanaged models 0007 gave them (no SQL is written out), and only where they exist: a
database that never had the app has nothing to drop. The app's rows in django_migrations
go too, so that the record says what the schema holds (were the app installed again, its
migrations would create its tables anew instead of taking them for present)."""

from django.db import migrations
from django.db.migrations.recorder import MigrationRecorder


def drop_blacklist_tables(apps, schema_editor):
    tables = schema_editor.connection.introspection.table_names()
    # The blacklisted tokens first: they refer to the outstanding ones.
    for name in ("PreviousBlacklistedToken", "PreviousOutstandingToken"):
        model = apps.get_model("auth_phone", name)
        if model._meta.db_table in tables:
            schema_editor.delete_model(model)
    MigrationRecorder(schema_editor.connection).migration_qs.filter(app="token_blacklist").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth_phone", "0007_session"),
    ]

    operations = [
        # Not reversed: installed again, the blacklist app creates its tables (empty).
        migrations.RunPython(drop_blacklist_tables, migrations.RunPython.noop),
        migrations.DeleteModel(name="PreviousBlacklistedToken"),
        migrations.DeleteModel(name="PreviousOutstandingToken"),
        migrations.DeleteModel(name="TokenFamily"),
    ]
