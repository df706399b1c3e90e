from contextlib import contextmanager

import psycopg2

from odoo.tools import SQL


@contextmanager
def statement_settings(cr, settings):
    """PostgreSQL ``settings`` ({name: value}) for the statements of the block only:
    the transaction's own values are given back after it. ``SET LOCAL`` alone holds
    until the transaction ends (and so it does in a savepoint released after the
    statement). A statement that fails aborts the transaction, or the savepoint around
    it, whose rollback takes the settings back."""
    cr.execute(
        SQL(
            "SELECT %s",
            SQL(", ").join(SQL("current_setting(%s)", name) for name in settings),
        )
    )
    restore = SQL(
        "SELECT %s",
        SQL(", ").join(
            SQL("set_config(%s, %s, true)", name, value)
            for name, value in zip(settings, cr.fetchone(), strict=True)
        ),
    )
    # SET takes no parameters on the server: it is written out, the names and values
    # quoted as identifiers (which it accepts for values as well).
    cr.execute(
        SQL("; ").join(
            SQL("SET LOCAL %s = %s", SQL.identifier(name), SQL.identifier(value))
            for name, value in settings.items()
        )
    )
    try:
        yield
    except psycopg2.Error:
        # Aborted: nothing runs until the rollback, which takes the settings back.
        raise
    except BaseException:
        cr.execute(restore)
        raise
    cr.execute(restore)
