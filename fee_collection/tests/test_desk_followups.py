from dateutil.relativedelta import relativedelta
from freezegun import freeze_time
from lxml import etree

from odoo import fields
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from .common import FeeCollectionCommon

D = fields.Date.to_date


@tagged("post_install", "-at_install")
class TestDeskFollowups(FeeCollectionCommon):
    """What follows from the desk's decisions: a write-off closes the collection order
    as written off, an accountant's payment from the file is a bank transfer, a refund
    shows the credit it may pay back and asks how at once, and the leaderboard ranks the
    week's collectors."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        journals = cls.env.company._fee_get_payment_journals()
        cls.cash = journals.filtered(lambda journal: journal.type == "cash")[:1]
        cls.transfer = journals.filtered(
            lambda journal: journal.fee_payment_method == "transfer"
        )

    # ------------------------------------------------------------------
    # Write-off
    # ------------------------------------------------------------------

    def test_a_write_off_closes_the_open_order_as_written_off(self):
        """Its entry settles the invoices as a payment would: the order is closed all the
        same, as written off rather than paid."""
        self._create_dunning_policy(
            "Write-off (test)",
            {"name": "Call", "days_overdue": 1, "order_type": "phone"},
        )
        self._invoice(amount=100.0, date="2024-01-01")
        with freeze_time("2024-01-05"):
            self.env["fee.dunning.run"].create({"date": "2024-01-05"}).action_execute()
        order = self.env["fee.collection.order"].search(
            [("partner_id", "=", self.subscriber.id), ("state", "=", "open")]
        )
        self.assertTrue(self.subscriber.dunning_level_id)
        with freeze_time("2024-03-10"):
            order.sudo().write({"outcome": "promise", "promise_date": "2024-03-20"})
            self.assertEqual(order.promise_state, "pending")
            write_off = (
                self.env["fee.write.off"]
                .with_user(self.user_accountant)
                .create({"partner_id": self.subscriber.id, "reason": "Moved away"})
            )
            write_off.action_submit()
            write_off.with_user(self.user_manager).action_approve()
        self.assertRecordValues(
            order,
            [
                {
                    "state": "done",
                    "outcome": "written_off",
                    "promise_state": "broken",
                    "amount_due": 0.0,
                    "date_done": D("2024-03-10"),
                }
            ],
        )
        self.assertIn(write_off.name, order.message_ids[:1].body)
        labels = dict(
            self.env["fee.collection.attempt"]
            ._fields["outcome"]
            ._description_selection(self.env)
        )
        self.assertEqual(labels["written_off"], "Written Off", "the attempts' mirror")

    # ------------------------------------------------------------------
    # Register Payment from the subscriber's file
    # ------------------------------------------------------------------

    def test_register_payment_from_the_file_defaults_to_the_bank_transfer(self):
        self.assertTrue(self.transfer)
        self._invoice(amount=60.0, date="2024-01-01")
        action = self.subscriber.with_user(
            self.user_accountant
        ).action_fee_register_payment()
        wizard = Form(
            self.env[action["res_model"]]
            .with_user(self.user_accountant)
            .with_context(**action["context"])
        )
        self.assertEqual(wizard.journal_id, self.transfer)
        payment = wizard.save()._create_payments()
        self.assertEqual(payment.journal_id, self.transfer)

    # ------------------------------------------------------------------
    # Refund requests
    # ------------------------------------------------------------------

    def test_a_refund_shows_the_credit_and_asks_how_it_is_paid_back(self):
        with freeze_time("2024-03-10"):
            self.env["fee.cash.session"].with_user(self.user_cashier).create({})
            self._invoice(amount=30.0, date="2024-03-01")
            self.subscriber.with_user(self.user_cashier)._fee_collect(50.0, self.cash)
            charge = self._invoice(amount=25.0, date="2024-03-05")

            form = Form(self.env["fee.refund.request"].with_user(self.user_cashier))
            form.partner_id = self.subscriber
            self.assertEqual(form.credit_available, 20.0, "50.00 paid for 30.00")
            form.amount = 20.0
            form.reason = "Paid twice"
            with self.assertRaisesRegex(AssertionError, "journal_id"):
                form.save()
            form.journal_id = self.cash
            request = form.save()
            request.action_submit()
            self.assertEqual(request.state, "submitted")

            # A charge not paid yet is only credited: nothing to pay back, no method.
            form = Form(self.env["fee.refund.request"].with_user(self.user_cashier))
            form.partner_id = self.subscriber
            form.refund_type = "invoice"
            form.invoice_id = charge
            form.reason = "Billed wrongly"
            request = form.save()
            self.assertFalse(request.journal_id)
            request.action_submit()
            self.assertEqual(request.state, "submitted")

    # ------------------------------------------------------------------
    # Leaderboard
    # ------------------------------------------------------------------

    def _week_filter(self, name, today):
        """The leaderboard's search filter ``name`` evaluated on ``today``, as the web
        client evaluates it."""
        arch = etree.fromstring(
            self.env.ref("fee_collection.fee_collector_leaderboard_view_search").arch
        )
        [node] = arch.xpath(f"//filter[@name='{name}']")
        return safe_eval(
            node.get("domain"),
            {"context_today": lambda: today, "relativedelta": relativedelta},
        )

    def test_the_leaderboard_ranks_the_week(self):
        neighbour = self._create_grid_2_subscriber()
        self._invoice(amount=200.0, date="2024-01-01")
        self._invoice(amount=200.0, date="2024-01-01", partner=neighbour)
        for date, collections in (
            ("2024-01-09", [(self.subscriber, self.user_collector, 90.0)]),
            (
                "2024-01-17",
                [
                    (self.subscriber, self.user_collector, 50.0),
                    (neighbour, self.user_collector_2, 80.0),
                ],
            ),
        ):
            with freeze_time(date):
                for partner, user, amount in collections:
                    wallet = self.env.company._fee_get_field_journals(user)[1]
                    partner.with_user(user)._fee_collect(
                        amount, wallet, channel="field"
                    )

        Board = self.env["fee.collector.leaderboard"]
        for today in ("2024-01-15", "2024-01-17", "2024-01-21"):
            with self.subTest(today=today):
                this_week = Board.search(
                    self._week_filter("filter_this_week", D(today))
                )
                self.assertEqual(
                    [
                        (row.collector_id, row.amount_collected, row.rank)
                        for row in this_week
                    ],
                    [(self.user_collector_2, 80.0, 1), (self.user_collector, 50.0, 2)],
                )
                last_week = Board.search(
                    self._week_filter("filter_last_week", D(today))
                )
                self.assertEqual(last_week.week, D("2024-01-08"))
                self.assertEqual(last_week.amount_collected, 90.0)
        mine = Board.with_user(self.user_collector).search(
            self._week_filter("filter_this_week", D("2024-01-17"))
        )
        self.assertEqual((mine.amount_collected, mine.rank), (50.0, 2))
