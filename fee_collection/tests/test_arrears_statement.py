import contextlib

import psycopg2

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from ..report.fee_arrears_report import STATEMENT_SETTINGS
from ..tools.statement_settings import statement_settings
from .common import FeeCollectionCommon


@tagged("post_install", "-at_install")
class TestArrearsStatement(FeeCollectionCommon):
    """Reading the arrears analysis only reads, with PostgreSQL settings of its own that
    hold for its statement, not for the rest of the transaction."""

    def setUp(self):
        super().setUp()
        # The transaction's own settings, which are not the server's defaults.
        self.env.cr.execute(SQL("SET LOCAL jit = on; SET LOCAL work_mem = '5MB'"))

    def _settings(self):
        settings = {}
        for name in STATEMENT_SETTINGS:
            self.env.cr.execute(SQL("SHOW %s", SQL.identifier(name)))
            [(settings[name],)] = self.env.cr.fetchall()
        return settings

    def test_settings_hold_for_the_statement_only(self):
        before = self._settings()
        self.assertEqual(before, {"jit": "on", "work_mem": "5MB"})
        with statement_settings(self.env.cr, STATEMENT_SETTINGS):
            self.assertEqual(self._settings(), STATEMENT_SETTINGS)
        self.assertEqual(self._settings(), before)

        self._invoice(amount=30.0)
        report = self.env["fee.arrears.report"]
        for groupby in (["partner_id"], ["area_id"]):  # the rows, the totals
            with self.subTest(groupby=groupby):
                self.assertEqual(
                    report._read_group([], groupby, ["open_amount:sum"])[0][1], 30.0
                )
                self.assertEqual(self._settings(), before)
        with self.assertRaises(AccessError):
            report.with_user(self.user_collector)._read_group(
                [], ["partner_id"], ["open_amount:sum"]
            )
        self.assertEqual(self._settings(), before, "after a read refused")
        with (
            contextlib.suppress(psycopg2.errors.DivisionByZero),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(flush=False),
            statement_settings(self.env.cr, STATEMENT_SETTINGS),
        ):
            self.env.cr.execute(SQL("SELECT 1 / 0"))
        self.assertEqual(self._settings(), before, "after a statement failed")

    def test_the_query_only_reads(self):
        """Building the analysis' query runs nothing: the facts of what the transaction
        changed are brought up to date when the analysis is read."""
        invoice = self._invoice(amount=30.0)
        self._register_payment(invoice, amount=10.0)
        self.env.cr.flush()
        invoice.line_ids.remove_move_reconcile()
        report = self.env["fee.arrears.report"]
        report._get_as_of()
        with self.assertQueryCount(0, flush=False):
            self.assertIsInstance(report._table_query, SQL)
        self.env.cr.execute(
            SQL(
                "SELECT SUM(open_amount) FROM fee_arrears_fact WHERE move_id = %s",
                invoice.id,
            )
        )
        self.assertEqual(self.env.cr.fetchall(), [(20.0,)], "left to the read")
        domain = [("move_id", "=", invoice.id)]
        self.assertEqual(report._read_group(domain, [], ["open_amount:sum"]), [(30.0,)])
        [row] = report.search_read(domain, ["open_amount", "collected"])
        self.assertEqual((row["open_amount"], row["collected"]), (30.0, 0.0))
