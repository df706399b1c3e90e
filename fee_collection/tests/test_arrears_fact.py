import contextlib

from odoo import Command
from odoo.tests import tagged

from ..report.fee_arrears_fact import DIRTY
from .common import FeeCollectionCommon

COLUMNS = {
    "fee_arrears_fact": """item_id, rn, move_id, partner_id, product_id, month, date,
        date_due, is_debit, is_billed, is_recovery, amount, open_amount, collected,
        collected_in_month, credited, written_off""",
    "fee_arrears_settlement": """item_id, rn, partial_id, date, payment_date, kind,
        amount, in_month, product_id, is_debit""",
}


@tagged("post_install", "-at_install")
class TestArrearsFact(FeeCollectionCommon):
    """The analysis' facts follow the ledger as it changes (posting, paying in part,
    crediting, unreconciling, cancelling) and always equal a rebuild from the ledger."""

    def _rows(self):
        self.env["fee.arrears.fact"]._fee_refresh_dirty()
        rows = {}
        for table, columns in COLUMNS.items():
            self.env.cr.execute(f"SELECT {columns} FROM {table} ORDER BY {columns}")  # noqa: S608
            rows[table] = self.env.cr.fetchall()
        return rows

    def _assert_as_rebuilt(self, step):
        kept = self._rows()
        self.env["fee.arrears.fact"]._fee_refresh()
        self.assertEqual(kept, self._rows(), f"after {step}, as rebuilt")

    def _facts(self, move):
        self.env["fee.arrears.fact"]._fee_refresh_dirty()
        return self.env["fee.arrears.fact"].search(
            [("move_id", "=", move.id)], order="rn"
        )

    def test_facts_follow_the_ledger(self):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.subscriber.id,
                "invoice_date": "2024-01-01",
                "invoice_date_due": "2024-01-15",
                "invoice_line_ids": [
                    Command.create(
                        {"product_id": product.id, "price_unit": price, "tax_ids": []}
                    )
                    for product, price in (
                        (self.product_tv, 10.0),
                        (self.product_broadband, 10.0),
                        (self.product_tv, 10.0),
                    )
                ],
            }
        )
        invoice.action_post()
        facts = self._facts(invoice)
        self.assertEqual(facts.mapped("amount"), [10.0, 10.0, 10.0])
        self.assertEqual(facts.mapped("open_amount"), [10.0, 10.0, 10.0])
        self._assert_as_rebuilt("posting")

        # 10.00 of 30.00 paid: a third on each line, the rounding cent on the first.
        self._register_payment(invoice, date="2024-01-20", amount=10.0)
        facts = self._facts(invoice)
        self.assertEqual(facts.mapped("collected"), [3.34, 3.33, 3.33])
        self.assertEqual(facts.mapped("open_amount"), [6.66, 6.67, 6.67])
        self.assertEqual(facts.mapped("collected_in_month"), [3.34, 3.33, 3.33])
        self._assert_as_rebuilt("a partial payment")

        credit_note = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.subscriber.id,
                "invoice_date": "2024-02-05",
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product_tv.id,
                            "price_unit": 5.0,
                            "tax_ids": [],
                        }
                    )
                ],
            }
        )
        credit_note.action_post()
        receivable = (invoice | credit_note).line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )
        receivable.reconcile()
        facts = self._facts(invoice)
        self.assertEqual(sum(facts.mapped("credited")), 5.0)
        self.assertEqual(sum(facts.mapped("open_amount")), 15.0)
        self.assertEqual(self._facts(credit_note).amount, -5.0)
        self._assert_as_rebuilt("a credit note")

        invoice.line_ids.remove_move_reconcile()
        facts = self._facts(invoice)
        self.assertEqual(facts.mapped("open_amount"), [10.0, 10.0, 10.0])
        self.assertFalse(any(facts.mapped("collected")))
        self._assert_as_rebuilt("unreconciling")

        invoice.button_draft()
        self.assertFalse(
            self._facts(invoice), "a draft invoice is no longer in the ledger"
        )
        self._assert_as_rebuilt("resetting to draft")

    def test_refreshed_before_commit_and_for_reads(self):
        invoice = self._invoice(amount=30.0)
        self.assertIn(DIRTY, self.env.cr.precommit.data)
        # What a commit does before committing: the rows are refreshed, once.
        self.env.cr.flush()
        self.assertNotIn(DIRTY, self.env.cr.precommit.data)
        self.assertEqual(self._facts(invoice).open_amount, 30.0)

        report = self.env["fee.arrears.report"]
        domain = [("move_id", "=", invoice.id)]
        measures = ["open_amount:sum", "collected:sum"]
        self._register_payment(invoice)
        self.assertEqual(
            report._read_group(domain, [], measures),
            [(0.0, 30.0)],
            "read in the same transaction",
        )
        self.assertEqual(report.search(domain), report.search(domain), "read as is")

        # A savepoint rolled back after a read takes that read's refresh with it:
        # the rows are refreshed again before the commit.
        invoice.line_ids.remove_move_reconcile()
        with contextlib.suppress(RolledBack), self.env.cr.savepoint(flush=False):
            self.assertEqual(report._read_group(domain, [], measures), [(30.0, 0.0)])
            raise RolledBack
        self.env.cr.flush()
        self.assertEqual(report._read_group(domain, [], measures), [(30.0, 0.0)])

    def test_merged_subscribers_move_their_totals(self):
        """Merging two subscribers of different areas: the analysis by area, read from
        its totals, still gives the figures of the ledger's rows."""
        other_grid = self.env["fee.area"].create(
            {"name": "Grid 2", "code": "N02", "parent_id": self.branch.id}
        )
        moved = self._create_subscriber("Wang Fang", sequence="002")
        moved.area_id = other_grid
        self._invoice(amount=30.0)
        self._invoice(amount=45.0, partner=moved)
        self.env["base.partner.merge.automatic.wizard"]._merge(
            (self.subscriber | moved).ids, self.subscriber, extra_checks=False
        )
        report = self.env["fee.arrears.report"]
        measures = ["__count", "billed:sum", "open_amount:sum"]
        by_area = report._read_group([], ["area_id"], measures)
        self.assertEqual(by_area, [(self.grid, 2, 75.0, 75.0)])
        self.assertEqual(
            by_area,
            report._read_group([("partner_id", "!=", False)], ["area_id"], measures),
        )


class RolledBack(Exception):
    """Rolls a savepoint back."""
