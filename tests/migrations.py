"""Moving the test database to a migration state and back, for the tests of data migrations."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate_to(targets):
    """Migrates to `targets` ([(app, migration), ...]) and returns that state's apps."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def migrate_to_latest():
    """Back to the latest schema, for the tests that follow."""
    return migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())
