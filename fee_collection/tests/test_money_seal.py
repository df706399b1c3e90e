import math

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import FeeCollectionCommon


@tagged("post_install", "-at_install")
class TestMoneySeal(FeeCollectionCommon):
    """The money under receipts changes only through their workflows: a receipt's
    payment and reconciliations only by its void, the amount taken is the amount
    given, sessions tie per payment method and never change once handed over, and
    nobody approves their own money or request."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cash = cls._payment_journal("cash")
        cls.bank = cls._payment_journal("transfer")
        cls.user_cashier_2 = cls._create_fee_user("fee_cashier_2", "group_fee_cashier")

    def setUp(self):
        super().setUp()
        self.enterContext(freeze_time("2024-03-10"))
        self.session = (
            self.env["fee.cash.session"].with_user(self.user_cashier).create({})
        )

    def _collect(self, amount, partner=None, user=None, **kwargs):
        partner = (partner or self.subscriber).with_user(user or self.user_cashier)
        return partner._fee_collect(amount, kwargs.pop("journal", self.cash), **kwargs)

    # ------------------------------------------------------------------
    # 1. The payment under a receipt
    # ------------------------------------------------------------------

    def test_cashiers_have_no_billing_rights_and_read_subscribers_bills_only(self):
        invoice = self._invoice(amount=50.0)
        customer = self.env["res.partner"].create({"name": "Ordinary Customer"})
        other = self._invoice(amount=987654.32, partner=customer)
        self.assertFalse(self.user_cashier.has_group("account.group_account_invoice"))
        self.assertEqual(invoice.with_user(self.user_cashier).amount_residual, 50.0)
        with self.assertRaises(AccessError):
            other.with_user(self.user_cashier).read(["amount_residual"])
        receipt = self._collect(50.0)
        payment = receipt.sudo().payment_id.with_user(self.user_cashier_2)
        for action in (
            payment.action_draft,
            lambda: payment.write({"amount": 0.01}),
            payment.unlink,
            lambda: invoice.with_user(self.user_cashier).button_draft(),
            lambda: invoice.with_user(self.user_cashier).button_cancel(),
            lambda: (
                self.env["account.move.reversal"]
                .with_user(self.user_cashier)
                .create({"move_ids": [Command.set(invoice.ids)]})
            ),
        ):
            with self.assertRaises(AccessError):
                action()
        self.assertEqual(invoice.payment_state, "paid")

    def test_a_receipts_payment_changes_only_by_its_void(self):
        invoice = self._invoice(amount=50.0)
        receipt = self._collect(50.0).with_env(self.env)
        payment = receipt.payment_id
        partial = payment.move_id.line_ids.matched_debit_ids
        self.assertTrue(partial)
        for user in (self.user_accountant, self.user_manager):
            as_user = payment.with_user(user)
            for action in (
                as_user.action_draft,
                as_user.action_cancel,
                lambda as_user=as_user: as_user.write({"amount": 0.01}),
                lambda as_user=as_user: as_user.write({"memo": "changed"}),
                as_user.unlink,
                as_user.move_id.button_draft,
                as_user.move_id.button_cancel,
                lambda as_user=as_user: as_user.move_id.line_ids[0].write(
                    {"account_id": self.company_data["default_account_revenue"].id}
                ),
                invoice.with_user(user).button_draft,
                invoice.with_user(user).button_cancel,
                lambda user=user: invoice.with_user(user).js_remove_outstanding_partial(
                    partial.id
                ),
                partial.with_user(user).unlink,
                lambda user=user: (
                    self.env["account.move.reversal"]
                    .with_user(user)
                    .with_context(active_model="account.move", active_ids=invoice.ids)
                    .create({"journal_id": invoice.journal_id.id})
                    .modify_moves()
                ),
            ):
                with self.subTest(user=user.login), self.assertRaises(UserError):
                    action()
        self.assertEqual(
            (receipt.state, payment.amount, payment.move_id.state),
            ("posted", 50.0, "posted"),
        )
        self.assertEqual(invoice.payment_state, "paid")
        # The void, which reverses it, still can.
        receipt.with_user(self.user_cashier).action_void("Wrong subscriber")
        self.assertEqual(payment.move_id.reversal_move_ids.state, "posted")
        self.assertEqual(invoice.payment_state, "not_paid")

    def test_credit_of_a_receipt_is_still_applied_to_new_invoices(self):
        receipt = self._collect(80.0).with_env(self.env)
        self.assertEqual(receipt.amount_credit, 80.0)
        invoice = self._invoice(amount=30.0)
        credit_line = receipt.payment_id.move_id.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )
        invoice.with_user(self.user_accountant).js_assign_outstanding_line(
            credit_line.id
        )
        self.assertEqual(invoice.payment_state, "paid")

    # ------------------------------------------------------------------
    # 2. The amount given is the amount taken
    # ------------------------------------------------------------------

    def test_counter_takes_the_amount_given_or_refuses_it(self):
        self._invoice(amount=121.90)
        Counter = self.env["fee.counter.payment"].with_user(self.user_cashier)
        counter = Counter.create({"partner_id": self.subscriber.id, "amount": 999.0})
        self.assertEqual(counter.amount, 999.0)
        receipt = self.env["fee.receipt"].browse(counter.action_pay()["res_id"])
        self.assertEqual((receipt.amount, receipt.amount_credit), (999.0, 877.10))
        self._invoice(amount=40.0)
        for amount in (0.0, -5.0, math.nan, math.inf, 100000.01):
            with self.subTest(amount=amount), self.assertRaises(UserError):
                Counter.create(
                    {
                        "partner_id": self.subscriber.id,
                        "amount": amount,
                        "deposit_confirmed": True,
                    }
                ).action_pay()
        # The form offers what is due; what the cashier types is what is taken.
        form = Form(Counter)
        form.partner_id = self.subscriber
        self.assertEqual(form.amount, 0.0, "the credit covers the new invoice")
        form.amount = 12.5
        # Owing nothing, the subscriber leaves a deposit: the cashier confirms it.
        receipt = self.env["fee.receipt"].browse(
            form.save().action_pay_deposit()["res_id"]
        )
        self.assertEqual(receipt.amount, 12.5)

    def test_largest_receipt_is_a_company_setting(self):
        self.env.company.fee_max_receipt_amount = 500.0
        with self.assertRaisesRegex(UserError, "more than a receipt may take"):
            self._collect(500.01)
        self.assertEqual(self._collect(500.0).amount, 500.0)
        with self.assertRaises(ValidationError):
            self.env.company.fee_max_receipt_amount = -1.0

    # ------------------------------------------------------------------
    # 4. Sessions
    # ------------------------------------------------------------------

    def test_counter_takes_its_own_methods_from_subscribers_only(self):
        field_cash = self.env.company._fee_get_field_journals(self.user_collector)[:1]
        with self.assertRaisesRegex(UserError, "not a payment method of the counter"):
            self._collect(10.0, journal=field_cash)
        customer = self.env["res.partner"].create({"name": "Walk-in Customer"})
        with self.assertRaisesRegex(UserError, "not a subscriber"):
            self._collect(10.0, partner=customer)

    def test_a_void_after_the_handover_lands_in_the_voiders_session(self):
        self._invoice(amount=125.89)
        receipt = self._collect(125.89)
        self.session.line_ids.filtered(
            lambda line: line.journal_id == self.cash
        ).counted_amount = 125.89
        self.session.action_close()
        self.session.with_user(self.user_accountant).action_validate()
        handover = (self.session.amount_total, self.session.difference)
        self.assertEqual(handover, (125.89, 0.0))
        # The manager voids it the next day: without a session of their own, refused.
        with freeze_time("2024-03-11"):
            as_manager = receipt.with_user(self.user_manager)
            with self.assertRaisesRegex(UserError, "is handed over"):
                as_manager.action_void("Paid twice")
            own = self.env["fee.cash.session"].with_user(self.user_manager).create({})
            as_manager.action_void("Paid twice")
        self.assertEqual(receipt.void_session_id, own)
        self.assertEqual((self.session.amount_total, self.session.difference), handover)
        self.assertEqual(
            self.session.line_ids.filtered(
                lambda line: line.journal_id == self.cash
            ).expected_amount,
            125.89,
        )
        self.assertEqual(own.amount_total, -125.89)
        self.assertEqual(
            own.line_ids.filtered(
                lambda line: line.journal_id == self.cash
            ).expected_amount,
            -125.89,
        )

    def test_a_void_in_the_open_session_gives_the_money_back_from_it(self):
        self._invoice(amount=30.0)
        receipt = self._collect(30.0)
        receipt.with_user(self.user_cashier).action_void("Wrong amount")
        self.assertEqual(receipt.void_session_id, self.session)
        self.assertEqual(self.session.amount_total, 0.0)

    def test_differences_are_explained_and_posted_per_method(self):
        self._invoice(amount=200.0)
        self._collect(100.0)
        self._collect(100.0, journal=self.bank)
        lines = self.session.line_ids
        cash_line = lines.filtered(lambda line: line.journal_id == self.cash)
        bank_line = lines.filtered(lambda line: line.journal_id == self.bank)
        cash_line.counted_amount = 50.0
        bank_line.counted_amount = 150.0
        self.session.action_close()
        self.assertEqual(self.session.difference, 0.0, "they net to zero")
        as_accountant = self.session.with_user(self.user_accountant)
        with self.assertRaisesRegex(UserError, "explain the difference"):
            as_accountant.action_validate()
        as_accountant.difference_note = "A transfer booked as cash"
        self.env.company.fee_cash_difference_threshold = 40.0
        as_accountant.action_validate()
        self.assertEqual(
            self.session.difference_move_ids,
            cash_line.difference_move_id | bank_line.difference_move_id,
        )
        self.assertEqual(len(self.session.difference_move_ids), 2)
        self.assertEqual(
            sorted(
                self.session.difference_move_ids.line_ids.filtered(
                    lambda line: (
                        line.account_id in (self.cash | self.bank).default_account_id
                    )
                ).mapped("balance")
            ),
            [-50.0, 50.0],
        )
        alerts = self.env["fee.anomaly"].search([("session_id", "=", self.session.id)])
        self.assertEqual(sorted(alerts.mapped("amount")), [-50.0, 50.0])

    # ------------------------------------------------------------------
    # 5. No self-approval
    # ------------------------------------------------------------------

    def test_whoever_took_the_money_does_not_validate_it(self):
        session = (
            self.env["fee.cash.session"].with_user(self.user_accountant).create({})
        )
        self._invoice(amount=100.0)
        self._collect(100.0, user=self.user_accountant, session=session)
        session.line_ids.filtered(
            lambda line: line.journal_id == self.cash
        ).counted_amount = 100.0
        session.with_user(self.user_accountant).action_close()
        with self.assertRaisesRegex(UserError, "another person validates"):
            session.with_user(self.user_accountant).action_validate()
        self.env.company.fee_allow_self_approval = True
        session.with_user(self.user_accountant).action_validate()
        self.assertEqual(session.state, "validated")
        self.assertTrue(
            session.message_ids.filtered(
                lambda message: "one-person office" in (message.body or "")
            )
        )

    # ------------------------------------------------------------------
    # 8. A void and a payment of one subscriber
    # ------------------------------------------------------------------

    def test_a_void_applies_the_credit_taken_meanwhile(self):
        invoice = self._invoice(amount=60.0)
        first = self._collect(60.0)
        second = self._collect(60.0, user=self.user_cashier)
        self.assertEqual(second.amount_credit, 60.0, "the invoice was paid")
        first.with_user(self.user_cashier).action_void("Paid twice")
        self.assertEqual(invoice.payment_state, "paid", "by the second receipt")
        self.assertEqual(
            self.env["fee.overdue"]._get_balance(self.subscriber, self.company),
            0.0,
        )

    # ------------------------------------------------------------------
    # 7. Subscribers belong to their company
    # ------------------------------------------------------------------

    def test_money_is_taken_in_the_subscribers_company_only(self):
        self.assertEqual(self.subscriber.company_id, self.env.company)
        company_2 = self.setup_other_company()["company"]
        cashier_2 = self._create_fee_user("fee_cashier_c2", "group_fee_cashier")
        cashier_2.write(
            {"company_ids": [Command.set(company_2.ids)], "company_id": company_2.id}
        )
        self.env["fee.cash.session"].with_user(cashier_2).with_company(
            company_2
        ).create({})
        journal = company_2._fee_get_payment_journals()[:1]
        self._invoice(amount=20.0)
        with self.assertRaises(AccessError):
            self.subscriber.with_user(cashier_2).with_company(company_2)._fee_collect(
                20.0, journal
            )
        with self.assertRaisesRegex(UserError, "take the payment in that company"):
            self.subscriber.sudo().with_company(company_2)._fee_collect(
                20.0, journal, user=self.user_accountant
            )
        with self.assertRaises(ValidationError):
            self.subscriber.company_id = False

    # ------------------------------------------------------------------
    # 10, 11. Documents and personal data for those who work on the subscribers
    # ------------------------------------------------------------------

    def _statement(self, user, partners):
        return (
            self.env["ir.actions.report"]
            .with_user(user)
            ._render_qweb_html(
                "fee_collection.report_subscriber_statement", partners.ids
            )[0]
            .decode()
        )

    def test_statements_only_for_subscribers_one_works_on(self):
        self._invoice(amount=88.0)
        customer = self.env["res.partner"].create({"name": "Ordinary Customer"})
        self._invoice(amount=987654.32, partner=customer)
        theirs = self._create_subscriber(
            "Wang Fang", sequence="044", collector_id=self.user_collector_2.id
        )
        theirs.area_id = False
        self._invoice(amount=77.0, partner=theirs)
        clerk = self._create_fee_user("plain_clerk", "group_fee_collector")
        clerk.groups_id = self.env.ref("base.group_user")
        self.assertIn("88.00", self._statement(self.user_collector, self.subscriber))
        for user, partners in (
            (self.user_collector, customer),
            (self.user_collector, theirs),
            (clerk, self.subscriber),
        ):
            with (
                self.subTest(user=user.login, partner=partners.name),
                self.assertRaises(AccessError),
            ):
                self._statement(user, partners)
        company_2 = self.setup_other_company()["company"]
        cashier_2 = self._create_fee_user("fee_cashier_c2", "group_fee_cashier")
        cashier_2.write(
            {"company_ids": [Command.set(company_2.ids)], "company_id": company_2.id}
        )
        with self.assertRaises(AccessError):
            self._statement(cashier_2, self.subscriber)

    def test_id_numbers_and_arrears_for_fee_collection_users_only(self):
        clerk = self._create_fee_user("plain_clerk", "group_fee_collector")
        # An office clerk who keeps the contacts, without fee collection rights.
        clerk.groups_id = self.env.ref("base.group_user") | self.env.ref(
            "base.group_partner_manager"
        )
        Partner = self.env["res.partner"].with_user(clerk)
        with self.assertRaises(AccessError):
            self.subscriber.with_user(clerk).read(["id_number"])
        for domain in (
            [("id_number", "=", self.subscriber.id_number)],
            [("fee_overdue_amount", ">", 0)],
            [("fee_overdue_days", ">", 30)],
            [("fee_chronic_late", "=", True)],
        ):
            with self.subTest(domain=domain), self.assertRaises(AccessError):
                Partner.search(domain)
        # Their other work on contacts goes on, subscribers' included.
        self.subscriber.with_user(clerk).write(
            {"phone": "021-12345678", "company_id": self.env.company.id}
        )
        Partner.create({"name": "Supplier contact"})
        self.assertEqual(
            self.subscriber.with_user(self.user_collector).id_number,
            self.subscriber.id_number,
        )
