from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
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

    def _record(self, order, outcome, user=None, **vals):
        """Record ``outcome`` on ``order`` through the outcome form, as its collector."""
        return (
            self.env["fee.collection.outcome"]
            .with_user(user or self.user_collector)
            .create({"order_id": order.id, "outcome": outcome, **vals})
            .action_confirm()
        )

    def test_promise_holds_back_the_overdue_invoices(self):
        overdue = self._invoice(due="2024-01-05")
        not_yet_due = self._invoice(due="2024-01-31")
        paid = self._invoice(due="2024-01-05")
        self._register_payment(paid, "2024-01-08")
        neighbours = self._invoice(due="2024-01-05", partner=self.neighbour)
        order = self._order().with_user(self.user_collector)
        self._record(order, "promise", promise_date="2024-01-20")
        order.action_done()
        self.assertEqual(order.state, "done")
        self.assertEqual(overdue.promise_date, D("2024-01-20"))
        self.assertFalse(not_yet_due.promise_date, "not overdue yet")
        self.assertFalse(paid.promise_date, "paid")
        self.assertFalse(neighbours.promise_date, "another subscriber")
        figures = self.env["fee.overdue"]._get_overdue_data(
            D("2024-01-10"), self.env.company, self.subscriber.ids
        )[self.subscriber.id]
        self.assertEqual(figures["paused"], {"promise"}, "dunning waits")
        self.assertEqual(figures["amount"], 0.0)

        # A new promise on a new order moves the date; a cancelled order changes nothing.
        cancelled = self._order()
        self._record(cancelled, "promise", promise_date="2024-01-25")
        self.assertEqual(overdue.promise_date, D("2024-01-25"))
        with self.assertRaisesRegex(UserError, "already has an open collection order"):
            self._order()
        cancelled.action_cancel()
        with self.assertRaisesRegex(UserError, "is Cancelled"):
            self._record(cancelled, "promise", promise_date="2024-01-30")
        self.assertEqual(overdue.promise_date, D("2024-01-25"))

    def test_promise_of_a_contact_holds_back_the_subscribers_invoices(self):
        overdue = self._invoice(due="2024-01-05")
        contact = self.env["res.partner"].create(
            {"name": "Zhang Min", "parent_id": self.subscriber.id}
        )
        self._record(
            self._order(partner_id=contact.id), "promise", promise_date="2024-01-20"
        )
        self.assertEqual(overdue.promise_date, D("2024-01-20"))

    def test_promise_in_the_past_is_refused(self):
        overdue = self._invoice(due="2024-01-05")
        order = self._order()
        with self.assertRaisesRegex(ValidationError, "in the past"):
            self._record(order, "promise", promise_date="2024-01-09")
        with self.assertRaisesRegex(ValidationError, "in the past"):
            self.env["fee.collection.order"].sudo().create(
                {
                    "partner_id": self.neighbour.id,
                    "outcome": "promise",
                    "promise_date": "2024-01-09",
                }
            )
        self.assertFalse(overdue.promise_date)
        self._record(order, "promise", promise_date="2024-01-10")
        self.assertEqual(overdue.promise_date, D("2024-01-10"), "today is allowed")

    def test_reason_goes_to_the_subscriber(self):
        order = self._order()
        self._record(order, "refused", reason_id=self.reason.id)
        self.assertEqual(self.subscriber.arrears_reason_id, self.reason)
        other_reason = self.env["fee.arrears.reason"].create(
            {"name": "Unable (test)", "code": "unable_test"}
        )
        self._record(
            self._order(partner_id=self.neighbour.id),
            "refused",
            reason_id=other_reason.id,
        )
        self.assertEqual(self.neighbour.arrears_reason_id, other_reason)
        order.sudo().reason_id = False
        self.assertEqual(
            self.subscriber.arrears_reason_id, self.reason, "clearing leaves the file"
        )
        # Given with a promise, the reason classifies the arrears all the same.
        promised = self._record(
            self._order(),
            "promise",
            promise_date="2024-01-20",
            reason_id=other_reason.id,
        )
        self.assertTrue(promised)
        self.assertEqual(self.subscriber.arrears_reason_id, other_reason)

    def test_promise_beyond_the_horizon_needs_a_manager(self):
        """A collector's promise cannot stop dunning for years: the company's horizon (30
        days by default) bounds it, only a manager grants more."""
        overdue = self._invoice(due="2024-01-05")
        order = self._order()
        with self.assertRaisesRegex(ValidationError, "more than 30 days away"):
            self._record(order, "promise", promise_date="2099-12-31")
        self.assertFalse(overdue.promise_date)
        self._record(order, "promise", promise_date="2024-02-09")
        self.assertEqual(overdue.promise_date, D("2024-02-09"), "30 days is allowed")
        self.env.company.fee_promise_max_days = 10
        with self.assertRaisesRegex(ValidationError, "more than 10 days away"):
            self._record(order, "promise", promise_date="2024-01-21")
        self._record(
            order, "promise", user=self.user_manager, promise_date="2024-03-31"
        )
        self.assertEqual(overdue.promise_date, D("2024-03-31"), "granted by a manager")

    def test_collector_records_outcomes_only_through_the_form(self):
        stranger = self._create_subscriber("Stranger", sequence="033")
        order = self._order().with_user(self.user_collector)
        for field, value in (
            ("partner_id", stranger.id),
            ("amount_due", 1.0),
            ("collector_id", self.user_collector_2.id),
            ("order_type", "legal"),
            ("date", "2024-01-01"),
            ("state", "cancel"),
            # What the outcome form checks: paid without money, a negative promise.
            ("outcome", "paid"),
            ("promise_amount", -1000.0),
            ("promise_date", "2024-01-20"),
            ("reason_id", self.reason.id),
        ):
            with self.subTest(field=field), self.assertRaises(AccessError):
                order.write({field: value})
        self.assertEqual(order.partner_id, self.subscriber)
        self.assertEqual(order.state, "open")
        with self.assertRaises(UserError):
            order.action_cancel()
        with self.assertRaisesRegex(UserError, "Record the outcome"):
            order.action_done()
        order.sudo().outcome = "paid"
        with self.assertRaisesRegex(UserError, "no receipt was taken"):
            order.action_done()
        self._record(order, "unreachable")
        order.action_done()
        with self.assertRaisesRegex(UserError, "is Done"):
            self._record(order, "paid", amount=10.0)
        others = self._order(collector_id=self.user_collector_2.id)
        with self.assertRaises(AccessError):
            self._record(others, "refused", reason_id=self.reason.id)
        with self.assertRaises(AccessError):
            others.with_user(self.user_collector).action_done()

    def test_attempts_are_the_collectors_own(self):
        Attempt = self.env["fee.collection.attempt"]
        own = self._order()
        others = self._order(
            partner_id=self.neighbour.id, collector_id=self.user_collector_2.id
        )
        theirs = Attempt.with_user(self.user_collector_2).create(
            {"order_id": others.id, "note": "No answer", "result": "no_answer"}
        )
        as_collector = Attempt.with_user(self.user_collector)
        mine = as_collector.create(
            {
                "order_id": own.id,
                "note": "Called",
                "user_id": self.user_collector_2.id,
            }
        )
        self.assertEqual(mine.user_id, self.user_collector, "never in another's name")
        self.assertEqual(as_collector.search([]), mine)
        with self.assertRaises(AccessError):
            theirs.with_user(self.user_collector).read(["note"])
        with self.assertRaises(AccessError):
            as_collector.create({"order_id": others.id, "note": "Not my order"})
        with self.assertRaises(AccessError):
            mine.with_user(self.user_collector).user_id = self.user_collector_2
        with self.assertRaises(AccessError):
            mine.with_user(self.user_collector).order_id = others
        mine.with_user(self.user_collector).note = "Called twice"
        # Reassigned, the order's past attempts stay readable but not the new
        # collector's to rewrite.
        own.collector_id = self.user_collector_2
        self.assertEqual(mine.with_user(self.user_collector_2).note, "Called twice")
        with self.assertRaises(AccessError):
            mine.with_user(self.user_collector_2).note = "Rewritten"
        self.assertEqual(Attempt.with_user(self.user_cashier).search([]), mine | theirs)
        own.action_cancel()
        with self.assertRaisesRegex(UserError, "is Cancelled"):
            Attempt.with_user(self.user_collector_2).create(
                {"order_id": own.id, "note": "Too late"}
            )

    def test_numbers_follow_the_date_ranges_of_the_order_dates(self):
        """With yearly date ranges, an order is numbered in the range of its own date,
        as ``next_by_code`` numbers with that date, whether orders are issued many at
        once or one by one."""
        self.env.ref("fee_collection.seq_fee_collection_order").write(
            {"use_date_range": True, "prefix": "CO/%(range_year)s/"}
        )
        third = self._create_subscriber("Wang Fang", sequence="045")
        Order = self.env["fee.collection.order"].with_user(self.user_accountant)
        orders = Order.create(
            [
                {"partner_id": partner.id, "date": date}
                for partner, date in (
                    (self.subscriber, "2023-12-30"),
                    (self.neighbour, "2024-01-02"),
                    (third, "2023-12-31"),
                )
            ]
        )
        self.assertEqual(
            orders.mapped("name"), ["CO/2023/00001", "CO/2024/00001", "CO/2023/00002"]
        )
        orders[0].action_cancel()
        # Dated today (2024) by default.
        self.assertEqual(
            Order.create({"partner_id": self.subscriber.id}).name, "CO/2024/00002"
        )
        self.assertEqual(
            self.env["ir.sequence"].next_by_code(
                "fee.collection.order", sequence_date=D("2023-06-01")
            ),
            "CO/2023/00003",
        )
