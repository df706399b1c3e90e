from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged, warmup

from .common import FeeCollectionCommon

D = fields.Date.to_date


@tagged("post_install", "-at_install", "fee_performance")
class TestPerformance(FeeCollectionCommon):
    """Queries of the hot paths, pinned: billing and dunning cut them through overrides,
    and a change that brings per-record queries back fails here. The figures are for N
    subscribers and for 2N: the difference is the cost of N more. Each path runs as the
    least-privileged user who does that work: the access checks are part of its cost."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls._create_dunning_policy(
            "Performance",
            cls._sms_reminder_level(),
            {
                "name": "Call",
                "days_overdue": 10,
                "order_type": "phone",
                "suspend_service": True,
            },
        )
        cls.reminder, cls.call = cls.policy.level_ids
        cls.subscribers = cls.env["res.partner"].create(
            [
                {
                    "name": f"Subscriber {index}",
                    "is_subscriber": True,
                    "mobile": f"+86138000{index:05d}",
                    "area_id": cls.grid.id,
                }
                for index in range(40)
            ]
        )
        cls.services = cls.env["fee.subscription"].create(
            [
                {
                    "partner_id": partner.id,
                    "product_id": cls.product_tv.id,
                    "service_number": f"P{partner.id}",
                    "date_start": "2024-01-01",
                }
                for partner in cls.subscribers
            ]
        )
        cls.services.action_activate()

    def _bill(self, count):
        run = self.env["fee.billing.run"].create({"date": "2024-01-01"})
        run._bill_subscriptions(self.services[:count])
        return run

    @freeze_time("2024-01-01")
    @warmup
    def test_billing_batch(self):
        run = (
            self.env["fee.billing.run"]
            .with_user(self.user_accountant)
            .create({"date": "2024-01-01"})
        )
        services = self.services[:10].with_env(run.env)
        self.env.invalidate_all()
        # The batch's savepoint brings the arrears analysis' facts of its invoices up to
        # date: 4 statements whatever its size. The accountant's access checks: 1 query.
        with self.assertQueryCount(143):
            run._bill_subscriptions(services)
        services = self.services[10:30].with_env(run.env)
        self.env.invalidate_all()
        # 20 more invoices: about 5 queries each.
        with self.assertQueryCount(192):
            run._bill_subscriptions(services)
        self.assertEqual(len(run.invoice_ids), 30)

    @warmup
    def test_dunning_execution_batch(self):
        with freeze_time("2024-01-01"):
            self._bill(40)
        for date, level, queries_10, queries_20 in (
            # SMS: the same queries for 10 subscribers as for 20 more, the pay links
            # they carry included (their codes read, then made or renewed: 2 queries).
            ("2024-01-05", self.reminder, 29, 29),
            # An order and a suspension for each: 2 queries a subscriber.
            ("2024-01-15", self.call, 50, 70),
        ):
            with freeze_time(date):
                run = (
                    self.env["fee.dunning.run"]
                    .with_user(self.user_accountant)
                    .create({"date": date})
                )
                run.action_compute()
                lines = run.line_ids.sorted("id")
                self.env.invalidate_all()
                with self.assertQueryCount(queries_10):
                    lines[:10]._execute()
                self.env.invalidate_all()
                with self.assertQueryCount(queries_20):
                    lines[10:30]._execute()
                self.assertEqual(lines[:30].level_id, level)

    @warmup
    def test_payment_lowering_a_level(self):
        with freeze_time("2024-01-01"):
            invoices = self._bill(1).invoice_ids
        with freeze_time("2024-01-15"):
            for date in ("2024-01-05", "2024-01-15"):
                run = self.env["fee.dunning.run"].create({"date": date})
                run.action_execute()
            self.assertEqual(self.services[0].state, "suspended")
            wizard = (
                self.env["account.payment.register"]
                .with_user(self.user_accountant)
                .with_context(active_model="account.move", active_ids=invoices.ids)
                .create({"payment_date": "2024-01-15"})
            )
            self.env.invalidate_all()
            # Posted, reconciled, the subscriber judged once, the level lowered on the
            # subscriber and its invoice, the service reconnected, its open orders
            # looked for, the drop and the reconnection noted on its chatter.
            with self.assertQueryCount(160):
                wizard._create_payments()
        self.assertEqual(self.services[0].state, "active")
        self.assertFalse(self.subscribers[0].dunning_level_id)

    @warmup
    def test_counter_payment_of_twelve_invoices(self):
        """A cashier's click at the counter: the look-up, the dues, the payment, its
        reconciliation with 12 invoices and the receipt."""
        partner = self.subscribers[0]
        with freeze_time("2024-01-01"):
            invoices = self.env["account.move"]
            for month in range(12):
                invoices |= self._invoice(
                    amount=25.0, date=f"2023-{month + 1:02d}-01", partner=partner
                )
            self.env["fee.cash.session"].with_user(self.user_cashier).create({})
            # The chatter at work, as in the web client (tests switch it off).
            counter = (
                self.env["fee.counter.payment"]
                .with_user(self.user_cashier)
                .with_context(
                    tracking_disable=False,
                    mail_create_nolog=False,
                    mail_create_nosubscribe=False,
                    mail_notrack=False,
                )
            )
            self.env.invalidate_all()
            # The commit's work (the chatter's tracking) included, as in a request. The
            # payment's posting and reconciliation are Odoo's (about 130 queries in its
            # own payment wizard); the invoices' chatter is written in one insert rather
            # than tracked invoice by invoice (289 queries before). The arrears
            # analysis' facts of the items paid are brought up to date in 4 statements.
            # The counter pays once: its row locked and its receipt kept (2), and its
            # namesake candidates cleared (1).
            with self.assertQueryCount(183):
                wizard = counter.create(
                    {"search_text": self.services[0].service_number}
                )
                wizard.action_pay()
                self.env.flush_all()
                self.env.cr.precommit.run()
        self.assertEqual(set(invoices.mapped("payment_state")), {"paid"})

    @warmup
    def test_collector_paid_on_the_spot(self):
        """A collector's click on the phone: the outcome form, the attempt, the receipt
        in their cash, its payment reconciled with the invoice, and the order done."""
        with freeze_time("2024-01-01"):
            invoices = self._bill(1).invoice_ids
        for date in ("2024-01-05", "2024-01-15"):
            with freeze_time(date):
                self.env["fee.dunning.run"].create({"date": date}).action_execute()
        order = self.env["fee.collection.order"].search(
            [("partner_id", "=", self.subscribers[0].id), ("state", "=", "open")]
        )
        self.assertEqual(order.collector_id, self.user_collector)
        # The round already open, as after the day's first receipt.
        self.env["fee.cash.session"]._get_for_collection(
            "field", self.user_collector, self.env.company
        )
        outcome = (
            self.env["fee.collection.outcome"]
            .with_user(self.user_collector)
            .with_context(
                default_order_id=order.id,
                tracking_disable=False,
                mail_create_nolog=False,
                mail_create_nosubscribe=False,
                mail_notrack=False,
            )
        )
        with freeze_time("2024-01-16"):
            self.env.invalidate_all()
            # The commit's work included, as in a request. Most of it is Odoo's posting
            # of the payment and its reconciliation, as at the counter; then the attempt,
            # the receipt in the round, the order done and noted on its chatter, and the
            # subscriber's level lowered and service reconnected.
            with self.assertQueryCount(191):
                wizard = outcome.create({"outcome": "paid", "note": "At the door"})
                wizard.action_confirm()
                self.env.flush_all()
                self.env.cr.precommit.run()
        self.assertEqual(invoices.payment_state, "paid")
        self.assertEqual((order.state, order.outcome), ("done", "paid"))
        self.assertEqual(self.services[0].state, "active")

    @freeze_time("2024-02-10")
    @warmup
    def test_batch_collection(self):
        """Rows of a backfill or a bank's return file, of two days, posted together as
        the cashier: the cost of 20 more rows. The payments' entries are numbered in one
        go, a day after the other (Odoo numbers each at the cost of about 5 queries; a
        day's first that did not see the day before's numbers would step over them one
        failed insert at a time)."""
        self._bill(30)
        cash = self._payment_journal("cash")
        Partner = self.env["res.partner"].with_user(self.user_cashier)

        def collect(subscribers):
            self.env.invalidate_all()
            receipts = Partner._fee_collect_batch(
                [
                    {
                        "partner": partner,
                        "amount": 10.0,
                        "journal": cash,
                        "date": D("2024-02-09") + timedelta(days=index % 2),
                    }
                    for index, partner in enumerate(subscribers)
                ],
                channel="import",
            )
            self.env.flush_all()
            self.env.cr.precommit.run()
            return receipts

        with self.assertQueryCount(327):
            collect(self.subscribers[:10])
        # About 8.6 queries a row (11.9 with Odoo numbering each entry).
        with self.assertQueryCount(499):
            receipts = collect(self.subscribers[10:30])
        self.assertEqual(len(set(receipts.payment_id.move_id.mapped("name"))), 20)
        self.assertEqual(set(receipts.payment_id.move_id.mapped("state")), {"posted"})
