import logging
import time

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import FeeCollectionCommon
from .phone import PhoneTourMixin

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestCollectorTour(PhoneTourMixin, FeeCollectionCommon, HttpCase):
    """A collector's morning on a phone, in the browser: from the start page to My Orders,
    a promise to pay recorded on one order, cash taken at the door on another, ending on
    the receipt (static/tests/tours/fee_collector_tour.js)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls._create_dunning_policy(
            "Collector tour",
            {"name": "Call", "days_overdue": 1, "order_type": "phone"},
        )
        # Both in the collector's grid.
        cls.promising = cls._create_subscriber("Liu Yang", sequence="811")
        cls.paying = cls._create_subscriber("Sun Mei", sequence="812")

    def setUp(self):
        super().setUp()
        today = fields.Date.today()
        self.overdue = {}
        for partner, amount in ((self.promising, 60.0), (self.paying, 45.0)):
            self.overdue[partner] = self._invoice(
                amount=amount,
                date=today - relativedelta(days=40),
                due=today - relativedelta(days=35),
                partner=partner,
            )
        self.env["fee.dunning.run"].create({"date": today}).action_execute()
        Order = self.env["fee.collection.order"]
        self.promise_order, self.paid_order = (
            Order.search([("partner_id", "=", partner.id), ("state", "=", "open")])
            for partner in (self.promising, self.paying)
        )

    def test_collector_tour_phone(self):
        collector = self.user_collector
        # What the tour relies on: a collector and nothing more, signing in with the login
        # as password, with an open phone order for each of the two subscribers.
        self.assertEqual(
            collector.groups_id.filtered(
                lambda group: (
                    group.category_id
                    == self.env.ref("fee_collection.module_category_fee_collection")
                )
            ),
            self.env.ref("fee_collection.group_fee_collector"),
        )
        self.assertFalse(collector.has_group("account.group_account_invoice"))
        collector.password = collector.login
        self.assertEqual(collector.name, "Fee Collector")
        self.assertRecordValues(
            self.promise_order | self.paid_order,
            [
                {"collector_id": collector.id, "amount_due": 60.0, "outcome": False},
                {"collector_id": collector.id, "amount_due": 45.0, "outcome": False},
            ],
        )
        Receipt = self.env["fee.receipt"]
        self.assertFalse(Receipt.search([("user_id", "=", collector.id)]))

        widths = self._emulate_phone(375, 667)
        self.browser_size = "375x667"
        self.touch_enabled = True
        started = time.perf_counter()
        self.start_tour("/odoo", "fee_collector_tour", login=collector.login)
        _logger.info(
            "fee_collector_tour at 375x667 took %.1f s", time.perf_counter() - started
        )
        self.assertEqual(widths, [375], "the tour ran in a phone's viewport")

        self.env.invalidate_all()
        today = fields.Date.today()
        horizon = today + relativedelta(days=self.env.company.fee_promise_max_days)

        # The promise: recorded on the order and holding back dunning of the invoice.
        promise = self.promise_order
        self.assertRecordValues(
            promise,
            [
                {
                    "state": "open",
                    "outcome": "promise",
                    "promise_state": "pending",
                    "promise_amount": 60.0,
                }
            ],
        )
        self.assertTrue(today < promise.promise_date <= horizon, promise.promise_date)
        self.assertEqual(
            self.overdue[self.promising].promise_date, promise.promise_date
        )
        self.assertRecordValues(
            promise.attempt_ids,
            [
                {
                    "user_id": collector.id,
                    "channel": "phone",
                    "result": "reached",
                    "outcome": "promise",
                    "note": "Pays after payday",
                }
            ],
        )
        self.assertFalse(promise.receipt_ids)

        # The payment: a receipt in the collector's own cash, in their open round.
        paid = self.paid_order
        self.assertRecordValues(paid, [{"state": "done", "outcome": "paid"}])
        self.assertRecordValues(
            paid.attempt_ids,
            [
                {
                    "user_id": collector.id,
                    "channel": "phone",
                    "result": "reached",
                    "outcome": "paid",
                }
            ],
        )
        receipt = Receipt.search([("user_id", "=", collector.id)])
        cash = self.env["account.journal"].search(
            [("fee_collector_id", "=", collector.id)]
        )
        self.assertEqual(
            len(cash), 1, "the collector has one cash journal of their own"
        )
        self.assertRecordValues(cash, [{"type": "cash", "fee_payment_method": "cash"}])
        self.assertRecordValues(
            receipt,
            [
                {
                    "state": "posted",
                    "channel": "field",
                    "partner_id": self.paying.id,
                    "amount": 45.0,
                    "journal_id": cash.id,
                    "collection_order_id": paid.id,
                    "balance_after": 0.0,
                }
            ],
        )
        self.assertEqual(paid.receipt_ids, receipt)
        self.assertEqual(receipt.line_ids.move_id, self.overdue[self.paying])
        self.assertEqual(self.overdue[self.paying].payment_state, "paid")
        self.assertRecordValues(
            receipt.cash_session_id,
            [{"user_id": collector.id, "session_type": "field", "state": "open"}],
        )
        cash_line = receipt.cash_session_id.line_ids.filtered(
            lambda line: line.journal_id == cash
        )
        self.assertRecordValues(cash_line, [{"expected_amount": 45.0}])
