import base64
import io

import openpyxl
from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import FeeCollectionCommon

D = fields.Date.to_date


@tagged("post_install", "-at_install")
class TestCollector(FeeCollectionCommon):
    """Who works a subscriber, the daily dispatch, and what collectors record."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls._create_dunning_policy(
            "Collectors (test)",
            {"name": "Call", "days_overdue": 1, "order_type": "phone"},
            {"name": "Visit", "days_overdue": 30, "order_type": "visit"},
        )
        cls.call, cls.visit = cls.policy.level_ids
        cls.neighbour = cls._create_subscriber("Li Qiang", sequence="032")
        cls.service = cls._create_subscription(
            number="TV-0001", date_start="2024-01-01"
        )
        cls.reason = cls.env["fee.arrears.reason"].create(
            {"name": "Unable (test)", "code": "unable_collector_test"}
        )

    def _open_order(self, partner=None):
        return self.env["fee.collection.order"].search(
            [
                ("partner_id", "=", (partner or self.subscriber).id),
                ("state", "=", "open"),
            ]
        )

    def _record_outcome(self, order, user=None, **vals):
        wizard = (
            self.env["fee.collection.outcome"]
            .with_user(user or self.user_collector)
            .with_context(default_order_id=order.id)
            .create(vals)
        )
        return wizard.action_confirm()

    # ------------------------------------------------------------------
    # Assignment
    # ------------------------------------------------------------------

    def test_rules_in_order_with_fallback_to_the_area(self):
        Rule = self.env["fee.collector.rule"]
        big = self._create_fee_user("big_clients", "group_fee_collector")
        acquirer = self._create_fee_user("acquirer", "group_fee_collector")
        business = self.env["res.partner.category"].create({"name": "Business"})
        Rule.create(
            [
                {"sequence": 1, "name": "Acquirer", "use_acquirer": True},
                {
                    "sequence": 2,
                    "name": "Business",
                    "category_id": business.id,
                    "collector_id": big.id,
                },
                {
                    "sequence": 3,
                    "name": "Broadband range",
                    "number_from": "8000",
                    "number_to": "8999",
                    "collector_id": self.user_collector_2.id,
                },
            ]
        )
        by_acquirer = self._create_subscriber(
            "Acquired",
            sequence="040",
            acquirer_id=acquirer.id,
            category_id=business.ids,
        )
        by_tag = self._create_subscriber(
            "Company", sequence="041", category_id=business.ids
        )
        plain = self._create_subscriber("Plain", sequence="042")
        self.assertEqual(by_acquirer.collector_id, acquirer, "acquirer first")
        self.assertEqual(by_tag.collector_id, big)
        self.assertEqual(
            plain.collector_id, self.user_collector, "the grid's collector"
        )
        in_range = self._create_subscriber("Range", sequence="043", area_id=False)
        self.assertFalse(in_range.collector_id)
        service = self._create_subscription(partner=in_range, number="8123")
        self.assertEqual(in_range.collector_id, self.user_collector_2, "by its service")
        self.assertEqual(service.collector_id, self.user_collector_2)
        with self.assertRaisesRegex(ValidationError, "needs a collector"):
            Rule.create({"name": "Nobody"})
        with self.assertRaisesRegex(ValidationError, "both ends"):
            Rule.create({"name": "Half", "number_from": "1", "collector_id": big.id})

    def test_absent_collector_is_replaced(self):
        self.env["fee.collector.absence"].create(
            {
                "collector_id": self.user_collector.id,
                "substitute_id": self.user_collector_2.id,
                "date_from": "2024-01-01",
                "date_to": "2024-01-31",
            }
        )
        self._invoice(date="2024-01-01")
        self._dun_on("2024-01-05")
        self.assertEqual(self._open_order().collector_id, self.user_collector_2)
        with self.assertRaisesRegex(
            ValidationError, "cannot substitute for themselves"
        ):
            self.env["fee.collector.absence"].create(
                {
                    "collector_id": self.user_collector.id,
                    "substitute_id": self.user_collector.id,
                    "date_from": "2024-02-01",
                    "date_to": "2024-02-02",
                }
            )

    def test_reassignment_moves_services_and_open_orders(self):
        self._invoice(date="2024-01-01")
        self._dun_on("2024-01-05")
        order = self._open_order()
        self.assertEqual(order.collector_id, self.user_collector)
        wizard = Form(
            self.env["fee.collector.reassign"]
            .with_user(self.user_manager)
            .with_context(active_model="res.partner", active_ids=self.subscriber.ids)
        )
        wizard.mode = "collector"
        wizard.collector_id = self.user_collector_2
        wizard = wizard.save()
        wizard.action_preview()
        self.assertEqual(wizard.line_ids.old_collector_id, self.user_collector)
        wizard.action_confirm()
        self.assertEqual(self.subscriber.collector_id, self.user_collector_2)
        self.assertEqual(self.service.collector_id, self.user_collector_2)
        self.assertEqual(order.collector_id, self.user_collector_2)
        self.user_collector.action_archive()
        with self.assertRaisesRegex(UserError, "is archived"):
            self.env["fee.collector.rule"]._reassign(
                self.subscriber, self.user_collector
            )
        with self.assertRaises(AccessError):
            self.env["fee.collector.reassign"].with_user(self.user_accountant).create(
                {"partner_ids": self.subscriber.ids}
            )

    # ------------------------------------------------------------------
    # Dispatch
    # ------------------------------------------------------------------

    def test_an_outcome_form_is_its_collectors_own(self):
        """Another collector, or a user of another company, cannot read an outcome form
        by its id (its order's amounts, the subscriber's promise)."""
        self._invoice(amount=100.0, date="2024-01-01")
        self._dun_on("2024-01-05")
        form = (
            self.env["fee.collection.outcome"]
            .with_user(self.user_collector)
            .with_context(default_order_id=self._open_order().id)
            .create({"outcome": "promise", "promise_date": "2024-01-08"})
        )
        other_company = self.setup_other_company()["company"]
        foreign = self._create_fee_user("foreign_collector", "group_fee_collector")
        foreign.write(
            {
                "company_ids": [Command.set(other_company.ids)],
                "company_id": other_company.id,
            }
        )
        self.assertEqual(form.with_user(self.user_collector).amount_due, 100.0)
        for user in (self.user_collector_2, foreign):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                form.with_user(user).read(["amount_due", "promise_date"])

    def test_dispatch_one_open_order_each_idempotent_and_escalating(self):
        self._invoice(amount=100.0, date="2024-01-01")
        self._invoice(amount=40.0, date="2024-01-01", partner=self.neighbour)
        self._dun_on("2024-01-05")
        Order = self.env["fee.collection.order"]
        orders = Order.search([("state", "=", "open")])
        self.assertEqual(len(orders), 2)
        self.assertEqual(orders.mapped("area_id"), orders.partner_id.area_id)
        self.assertEqual(
            self.subscriber.area_id, self.grid, "the partner kept its area"
        )
        self.assertEqual(len(set(orders.mapped("name"))), 2)
        for name in orders.mapped("name"):
            self.assertRegex(name, r"^CO/2024/\d{5}$", "numbered in the run's year")
        with freeze_time("2024-01-10"):
            issued, updated = Order._dispatch()
            self.assertFalse(issued, "running it again adds nothing")
            self.assertEqual(len(updated), 2)
        order = self._open_order()
        self.assertEqual((order.amount_due, order.days_overdue), (100.0, 9))
        self.assertEqual(order.priority, 900.0)
        neighbour_order = self._open_order(self.neighbour)
        self.assertGreater(order.priority, neighbour_order.priority)
        self._dun_on("2024-02-01")
        visit = self._open_order()
        self.assertEqual(visit.order_type, "visit")
        self.assertEqual(order.state, "cancel", "the calls gave way to a visit")
        with self.assertRaisesRegex(UserError, "already has an open collection order"):
            Order.create({"partner_id": self.subscriber.id})

    def test_payment_by_any_channel_closes_the_order(self):
        invoice = self._invoice(amount=100.0, date="2024-01-01")
        self._dun_on("2024-01-05")
        order = self._open_order()
        with freeze_time("2024-01-06"):
            self._register_payment(invoice, amount=40.0)
            self.assertEqual(order.state, "open", "60.00 still overdue")
            self._register_payment(invoice)
        self.assertEqual((order.state, order.outcome), ("done", "paid"))
        self.assertIn("nothing is overdue any more", order.message_ids[0].body)

    def test_exemption_cancels_the_order(self):
        self._invoice(date="2024-01-01")
        self._dun_on("2024-01-05")
        order = self._open_order()
        self.subscriber.write({"dunning_exempt": True, "dunning_exempt_reason": "VIP"})
        self.assertEqual(order.state, "cancel")

    def test_three_missed_calls_make_a_visit(self):
        self._invoice(date="2024-01-01")
        self._dun_on("2024-01-05")
        order = self._open_order()
        with freeze_time("2024-01-06"):
            for _call in range(2):
                self._record_outcome(order, outcome="unreachable", note="No answer")
            self.assertEqual(order.state, "open")
            self._record_outcome(order, outcome="unreachable", note="No answer")
        self.assertEqual(order.state, "cancel")
        visit = self._open_order()
        self.assertEqual(visit.order_type, "visit")
        self.assertEqual(visit.collector_id, self.user_collector)

    # ------------------------------------------------------------------
    # Outcomes
    # ------------------------------------------------------------------

    def test_paid_on_the_spot_into_the_collectors_cash_then_handed_over(self):
        invoice = self._invoice(amount=100.0, date="2024-01-01")
        self._dun_on("2024-01-05")
        order = self._open_order()
        with freeze_time("2024-01-06"):
            action = self._record_outcome(
                order, outcome="paid", note="Paid at the door"
            )
        receipt = self.env["fee.receipt"].browse(action["res_id"])
        self.assertEqual(
            (receipt.channel, receipt.amount, receipt.user_id),
            ("field", 100.0, self.user_collector),
        )
        self.assertEqual(receipt.journal_id.fee_collector_id, self.user_collector)
        self.assertEqual(receipt.collection_order_id, order)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual((order.state, order.outcome), ("done", "paid"))
        self.assertIn(receipt.name, order.message_ids[0].body)
        session = receipt.cash_session_id
        self.assertEqual(
            (session.session_type, session.user_id), ("field", self.user_collector)
        )
        # The collector hands the cash to a cashier, who validates the round.
        cash_line = session.line_ids.filtered(
            lambda line: line.journal_id == receipt.journal_id
        )
        self.assertEqual(cash_line.expected_amount, 100.0)
        cash_line.with_user(self.user_accountant).counted_amount = 100.0
        session.with_user(self.user_accountant).action_close()
        session.with_user(self.user_cashier).action_validate()
        self.assertEqual(session.state, "validated")
        with self.assertRaises(AccessError):
            self.env["fee.receipt"].with_user(self.user_collector_2).browse(
                receipt.id
            ).read(["amount"])

    def test_partial_payment_keeps_the_rest_dunned(self):
        invoice = self._invoice(amount=100.0, date="2024-01-01")
        self._dun_on("2024-01-05")
        order = self._open_order()
        with freeze_time("2024-01-06"):
            self._record_outcome(order, outcome="partial", amount=30.0)
        self.assertEqual((order.state, order.outcome), ("done", "partial"))
        self.assertEqual(invoice.amount_residual, 70.0)

    def test_promise_kept_and_broken(self):
        self._invoice(amount=100.0, date="2024-01-01")
        self._invoice(amount=50.0, date="2024-01-01", partner=self.neighbour)
        self._dun_on("2024-01-05")
        kept, broken = self._open_order(), self._open_order(self.neighbour)
        broken.collector_id = self.user_collector
        with freeze_time("2024-01-06"):
            with self.assertRaisesRegex(UserError, "at most what is overdue"):
                self._record_outcome(
                    kept,
                    outcome="promise",
                    promise_date="2024-01-20",
                    promise_amount=500.0,
                )
            self._record_outcome(kept, outcome="promise", promise_date="2024-01-20")
            self._record_outcome(broken, outcome="promise", promise_date="2024-01-20")
        self.assertEqual(kept.promise_state, "pending")
        with freeze_time("2024-01-15"):
            self.subscriber.with_user(self.user_cashier)
            self.env["fee.cash.session"].with_user(self.user_cashier).create({})
            self.subscriber.with_user(self.user_cashier)._fee_collect(
                100.0, self.env.company._fee_get_payment_journals()[:1]
            )
        with freeze_time("2024-01-21"):
            self.env["fee.collection.order"]._cron_check_promises()
        self.assertEqual((kept.state, kept.outcome), ("done", "paid"))
        self.assertEqual(broken.promise_state, "broken")
        self.assertEqual(broken.state, "open")
        self.assertEqual(broken.activity_ids.user_id, self.user_collector)
        neighbours_invoice = self.env["account.move"].search(
            [("partner_id", "=", self.neighbour.id)]
        )
        self.assertFalse(neighbours_invoice.promise_date, "dunning resumes")

    def test_refusal_and_dispute(self):
        self._invoice(amount=100.0, date="2024-01-01")
        disputed = self._invoice(amount=50.0, date="2024-01-01", partner=self.neighbour)
        self._dun_on("2024-01-05")
        refused, dispute = self._open_order(), self._open_order(self.neighbour)
        dispute.collector_id = self.user_collector
        with freeze_time("2024-01-06"):
            with self.assertRaisesRegex(UserError, "reason the subscriber refuses"):
                self._record_outcome(refused, outcome="refused")
            self._record_outcome(refused, outcome="refused", reason_id=self.reason.id)
            self._record_outcome(
                dispute, outcome="disputed", note="Box never installed"
            )
        self.assertEqual((refused.state, refused.outcome), ("done", "refused"))
        self.assertEqual(self.subscriber.arrears_reason_id, self.reason)
        self.assertEqual(disputed.dispute_state, "disputed")
        self.assertEqual(disputed.dispute_note, "Box never installed")
        self.assertIn(self.user_accountant, dispute.activity_ids.user_id)
        attempts = (refused | dispute).attempt_ids
        self.assertEqual(attempts.user_id, self.user_collector)
        self.assertEqual(set(attempts.mapped("result")), {"reached"})
        with self.assertRaisesRegex(UserError, "is Done"):
            self._record_outcome(refused, outcome="unreachable")

    def test_collector_acts_on_own_orders_only(self):
        self._invoice(date="2024-01-01", partner=self.neighbour)
        self._dun_on("2024-01-05")
        order = self._open_order(self.neighbour)
        self.env["fee.collector.rule"]._reassign(self.neighbour, self.user_collector_2)
        with self.assertRaises(AccessError):
            self._record_outcome(order, outcome="unreachable")
        with self.assertRaises(AccessError):
            order.with_user(self.user_collector).action_open_outcome()
        mine = (
            self.env["fee.collection.order"]
            .with_user(self.user_collector_2)
            .search([("state", "=", "open")])
        )
        self.assertEqual(mine, order)
        self.assertIn(
            "100.00",
            order.with_user(self.user_collector_2).open_invoices_html,
            "the collector sees the open invoices without access to invoices",
        )

    # ------------------------------------------------------------------
    # Targets, leaderboard, progress table
    # ------------------------------------------------------------------

    def _week_of_work(self):
        """In the week of 8 January: the collector takes 100.00 cash and 50.00 by WeChat
        and sees one promise kept; collector 2 takes nothing."""
        self._invoice(amount=150.0, date="2024-01-01")
        self._invoice(amount=80.0, date="2024-01-01", partner=self.neighbour)
        self._dun_on("2024-01-05")
        order = self._open_order()
        promised = self._open_order(self.neighbour)
        with freeze_time("2024-01-08"):
            self._record_outcome(order, outcome="partial", amount=100.0)
            wechat = self.env.company._fee_get_field_journals(self.user_collector)[1]
            self.subscriber.with_user(self.user_collector)._fee_collect(
                50.0, wechat, channel="field"
            )
            self._record_outcome(promised, outcome="promise", promise_date="2024-01-10")
            self.neighbour.with_user(self.user_collector)._fee_collect(
                80.0, wechat, channel="field"
            )
        with freeze_time("2024-01-11"):
            self.env["fee.collection.order"]._cron_check_promises()
        return self.env["fee.collector.target"].create(
            [
                {
                    "collector_id": self.user_collector.id,
                    "date_from": "2024-01-08",
                    "date_to": "2024-01-14",
                    "amount_target": 200.0,
                    "order_target": 4,
                    "commission_rate": 2.0,
                    "bonus_rate": 10.0,
                },
                {
                    "collector_id": self.user_collector_2.id,
                    "date_from": "2024-01-01",
                    "date_to": "2024-01-14",
                    "amount_target": 100.0,
                },
            ]
        )

    def test_targets_incentive_and_leaderboard(self):
        target, other = self._week_of_work()
        self.assertEqual(target.amount_collected, 230.0)
        self.assertEqual(target.amount_electronic, 130.0)
        self.assertEqual(target.achievement, 115.0)
        self.assertEqual(target.orders_done, 2)
        self.assertEqual((target.promises_made, target.promises_kept), (1, 1))
        self.assertEqual(target.kept_rate, 100.0)
        # 2% of 230.00, and 10% of the 30.00 beyond the target
        self.assertEqual(target.incentive, 7.6)
        self.assertEqual(other.amount_collected, 0.0)
        with self.assertRaises(ValidationError) as caught:
            target.copy({"date_from": "2024-01-10", "date_to": "2024-01-20"})
        self.assertIn("overlapping", str(caught.exception))
        board = self.env["fee.collector.leaderboard"].search(
            [("collector_id", "=", self.user_collector.id)]
        )
        self.assertEqual(board.week, D("2024-01-08"))
        self.assertEqual(
            (board.amount_collected, board.amount_cash, board.orders_done),
            (230.0, 100.0, 2),
        )
        as_other = self.env["fee.collector.leaderboard"].with_user(
            self.user_collector_2
        )
        self.assertFalse(
            as_other.search([]), "other collectors' figures are not theirs"
        )
        self.assertEqual(
            self.env["fee.collector.target"].with_user(self.user_collector).search([]),
            target,
        )

    def test_progress_table_in_excel(self):
        self._week_of_work()
        wizard = (
            self.env["fee.collector.progress"]
            .with_user(self.user_accountant)
            .create({"date_from": "2024-01-08", "date_to": "2024-01-14"})
        )
        wizard.action_export()
        sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.file))).active
        self.assertEqual(sheet["A1"].value, "Collection Progress Table")
        self.assertEqual(
            [cell.value for cell in sheet[4]],
            [
                "Collector",
                "Amount Target",
                "Collected",
                "Collected vs Target",
                "Orders Target",
                "Orders Done",
                "Promises Kept",
                "Electronic Share",
                "Incentive",
            ],
        )
        rows = {
            row[0].value: [cell.value for cell in row] for row in sheet.iter_rows(5)
        }
        self.assertEqual(
            rows["Fee Collector"],
            ["Fee Collector", 200.0, 230.0, 1.15, 4, 2, 1.0, 130 / 230, 7.6],
        )
        # Half of collector 2's fortnight falls in the week.
        self.assertEqual(rows["Fee Collector 2"][1:4], [50.0, 0.0, 0.0])
        self.assertEqual(rows["Total"][1:3], [250.0, 230.0])
        self.assertEqual(sheet.freeze_panes, "B5")
