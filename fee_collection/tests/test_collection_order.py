from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import FeeCollectionCommon

D = fields.Date.to_date


@tagged("post_install", "-at_install")
class TestCollectionOrder(FeeCollectionCommon):
    """What a collector records on an order reaches the subscriber and the invoices."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.neighbour = cls._create_subscriber("Li Qiang", sequence="032")
        cls.reason = cls.env["fee.arrears.reason"].create(
            {"name": "Forgot (test)", "code": "forgot_test"}
        )

    def setUp(self):
        super().setUp()
        self.enterContext(freeze_time("2024-01-10"))

    def _order(self, **vals):
        return self.env["fee.collection.order"].create(
            {
                "partner_id": self.subscriber.id,
                "collector_id": self.user_collector.id,
                "amount_due": 100.0,
                **vals,
            }
        )

    def test_promise_holds_back_the_overdue_invoices(self):
        overdue = self._invoice(due="2024-01-05")
        not_yet_due = self._invoice(due="2024-01-31")
        paid = self._invoice(due="2024-01-05")
        self._register_payment(paid, "2024-01-08")
        neighbours = self._invoice(due="2024-01-05", partner=self.neighbour)
        order = self._order()
        order.with_user(self.user_collector).write(
            {"outcome": "promise", "promise_date": "2024-01-20", "state": "done"}
        )
        self.assertEqual(overdue.promise_date, D("2024-01-20"))
        self.assertFalse(not_yet_due.promise_date, "not overdue yet")
        self.assertFalse(paid.promise_date, "paid")
        self.assertFalse(neighbours.promise_date, "another subscriber")
        figures = self.env["res.partner"]._get_overdue_data(
            D("2024-01-10"), self.env.company, self.subscriber.ids
        )[self.subscriber.id]
        self.assertEqual(figures["paused"], {"promise"}, "dunning waits")
        self.assertEqual(figures["amount"], 0.0)

        # A new promise on a new order moves the date; a cancelled order changes nothing.
        self._order(outcome="promise", promise_date="2024-01-25")
        self.assertEqual(overdue.promise_date, D("2024-01-25"))
        self._order(state="cancel", outcome="promise", promise_date="2024-01-30")
        self.assertEqual(overdue.promise_date, D("2024-01-25"))

    def test_promise_of_a_contact_holds_back_the_subscribers_invoices(self):
        overdue = self._invoice(due="2024-01-05")
        contact = self.env["res.partner"].create(
            {"name": "Zhang Min", "parent_id": self.subscriber.id}
        )
        self._order(partner_id=contact.id, outcome="promise", promise_date="2024-01-20")
        self.assertEqual(overdue.promise_date, D("2024-01-20"))

    def test_promise_in_the_past_is_refused(self):
        overdue = self._invoice(due="2024-01-05")
        order = self._order()
        with self.assertRaisesRegex(ValidationError, "in the past"):
            order.with_user(self.user_collector).write(
                {"outcome": "promise", "promise_date": "2024-01-09"}
            )
        with self.assertRaisesRegex(ValidationError, "in the past"):
            self._order(outcome="promise", promise_date="2024-01-09")
        self.assertFalse(overdue.promise_date)
        order.with_user(self.user_collector).write(
            {"outcome": "promise", "promise_date": "2024-01-10"}
        )
        self.assertEqual(overdue.promise_date, D("2024-01-10"), "today is allowed")

    def test_reason_goes_to_the_subscriber(self):
        order = self._order()
        order.with_user(self.user_collector).write(
            {"outcome": "refused", "reason_id": self.reason.id, "state": "done"}
        )
        self.assertEqual(self.subscriber.arrears_reason_id, self.reason)
        other_reason = self.env["fee.arrears.reason"].create(
            {"name": "Unable (test)", "code": "unable_test"}
        )
        self._order(partner_id=self.neighbour.id, reason_id=other_reason.id)
        self.assertEqual(self.neighbour.arrears_reason_id, other_reason)
        order.with_user(self.user_collector).reason_id = False
        self.assertEqual(
            self.subscriber.arrears_reason_id, self.reason, "clearing leaves the file"
        )
