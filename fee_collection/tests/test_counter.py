import io

from freezegun import freeze_time
from lxml import etree

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import config
from odoo.tools.pdf import PdfFileReader
from odoo.tools.safe_eval import safe_eval

from .common import FeeCollectionCommon

D = fields.Date.to_date


@tagged("post_install", "-at_install")
class TestCounter(FeeCollectionCommon):
    """Money taken at the counter: the receipt, its payment and reconciliation, the
    session it belongs to, voids and reprints."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.journals = cls.env.company._fee_get_payment_journals()
        cls.cash = cls._payment_journal("cash")
        cls.wechat = cls.journals.filtered(lambda j: j.code == "WXPAY")
        cls.service = cls._create_subscription(
            number="TV-0001", date_start="2024-01-01"
        )

    def setUp(self):
        super().setUp()
        self.enterContext(freeze_time("2024-03-10"))
        self.session = (
            self.env["fee.cash.session"]
            .with_user(self.user_cashier)
            .create({"opening_cash": 100.0})
        )

    def _collect(self, amount, partner=None, user=None, **kwargs):
        partner = (partner or self.subscriber).with_user(user or self.user_cashier)
        return partner._fee_collect(amount, kwargs.pop("journal", self.cash), **kwargs)

    def _counter(self, user=None):
        return Form(
            self.env["fee.counter.payment"].with_user(user or self.user_cashier)
        )

    # ------------------------------------------------------------------
    # Paying
    # ------------------------------------------------------------------

    def test_payment_journals_are_made_once(self):
        self.assertEqual(
            sorted(self.journals.mapped("fee_payment_method")),
            ["card", "cash", "ewallet", "ewallet", "transfer"],
        )
        self.assertEqual(self.journals[0], self.cash, "cash first")
        self.assertEqual(self.env.company._fee_get_payment_journals(), self.journals)

    def test_counter_finds_the_subscriber_and_pays_cash_with_change(self):
        january = self._invoice(amount=25.0, date="2024-01-01")
        february = self._invoice(amount=25.0, date="2024-02-01")
        for text in ("TV-0001", self.subscriber.id_number, "13800000001", "Zhang"):
            with self.subTest(text=text):
                counter = self._counter()
                counter.search_text = text
                self.assertEqual(counter.partner_id, self.subscriber)
        counter = self._counter()
        counter.search_text = "TV-0001"
        self.assertEqual(counter.total_due, 50.0)
        self.assertEqual(counter.amount, 50.0)
        self.assertEqual(len(counter.line_ids), 2)
        self.assertEqual(counter.journal_id, self.cash)
        counter.amount_tendered = 100.0
        self.assertEqual(counter.amount_change, 50.0)
        action = counter.save().action_pay()
        receipt = self.env["fee.receipt"].browse(action["res_id"])
        self.assertEqual(receipt.name, "SK/2024/000001")
        self.assertEqual(
            (receipt.amount, receipt.amount_change, receipt.balance_after),
            (50.0, 50.0, 0.0),
        )
        self.assertEqual(receipt.user_id, self.user_cashier)
        self.assertEqual(receipt.cash_session_id, self.session)
        self.assertEqual(receipt.line_ids.move_id, january | february)
        self.assertEqual(set((january | february).mapped("payment_state")), {"paid"})
        self.assertEqual(receipt.payment_id.memo, receipt.name)
        self.assertEqual(
            self.session.line_ids.filtered(
                lambda line: line.journal_id == self.cash
            ).expected_amount,
            150.0,
            "opening cash and the receipt",
        )

    def test_oldest_due_first_partial_and_overpayment_kept_as_credit(self):
        older = self._invoice(amount=30.0, date="2024-01-01")
        newer = self._invoice(amount=30.0, date="2024-02-01")
        receipt = self._collect(40.0)
        self.assertEqual(older.payment_state, "paid")
        self.assertEqual(newer.amount_residual, 20.0)
        self.assertEqual(receipt.balance_after, 20.0)
        overpaid = self._collect(50.0)
        self.assertEqual(newer.payment_state, "paid")
        self.assertEqual(overpaid.amount_credit, 30.0)
        self.assertEqual(overpaid.balance_after, -30.0, "30.00 of credit")
        march = self._invoice(amount=25.0, date="2024-03-01")
        receipt = self._collect(5.0)
        self.assertEqual(march.payment_state, "paid", "the credit went first")
        self.assertEqual(receipt.amount_credit, 5.0, "none of it was needed")
        self.assertEqual(receipt.balance_after, -10.0)

    def test_selected_invoices_only(self):
        older = self._invoice(amount=30.0, date="2024-01-01")
        newer = self._invoice(amount=30.0, date="2024-02-01")
        counter = self._counter()
        counter.search_text = "TV-0001"
        with counter.line_ids.edit(1) as line:
            line.selected = True
        self.assertEqual(counter.amount, 30.0)
        counter.save().action_pay()
        self.assertEqual(newer.payment_state, "paid")
        self.assertEqual(older.payment_state, "not_paid")
        with self.assertRaisesRegex(UserError, "has been paid meanwhile"):
            self._collect(30.0, invoices=newer)
        neighbour = self._create_subscriber("Li Qiang", sequence="032")
        with self.assertRaisesRegex(UserError, "is not an open invoice of Zhang Wei"):
            self._collect(10.0, invoices=self._invoice(amount=10.0, partner=neighbour))

    def test_payment_reconnects_a_service_suspended_for_arrears(self):
        invoice = self._invoice(amount=25.0, date="2024-01-01")
        self._suspend_for_arrears("2024-03-10")
        self.assertEqual(self.service.state, "suspended")
        self._collect(25.0)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(self.service.state, "active", "in the same transaction")
        self.assertFalse(self.subscriber.dunning_level_id)

    def test_bad_input_is_refused_and_nothing_is_written(self):
        self._invoice(amount=25.0, date="2024-01-01")
        other = self.setup_other_company()["company"]
        self.user_cashier.company_ids |= other
        foreign = self.env["res.partner"].create(
            {"name": "Foreign", "is_subscriber": True, "company_id": other.id}
        )
        usd = self.setup_other_currency("EUR")
        euro_journal = self.env["account.journal"].create(
            {"name": "Euro Cash", "code": "EURC", "type": "cash", "currency_id": usd.id}
        )
        for kwargs, message in (
            ({"amount": 0.0}, "must be positive"),
            ({"amount": -5.0}, "must be positive"),
            ({"amount": 10.001}, "more decimals"),
            ({"amount": 10.0, "partner": foreign}, "take the payment in that company"),
            ({"amount": 10.0, "journal": euro_journal}, "subscribers pay in"),
        ):
            with (
                self.subTest(message=message),
                self.assertRaisesRegex(UserError, message),
            ):
                self._collect(**kwargs)
        self.assertFalse(self.env["fee.receipt"].search([]))
        self.assertFalse(
            self.env["account.payment"].search(
                [("partner_id", "=", self.subscriber.id)]
            )
        )

    def test_counter_needs_an_open_session_of_ones_own(self):
        self._invoice(amount=25.0, date="2024-01-01")
        self.session.line_ids.counted_amount = 100.0
        self.session.with_user(self.user_cashier).action_close()
        with self.assertRaisesRegex(UserError, "no open cash session"):
            self._collect(10.0)
        with self.assertRaisesRegex(UserError, "is not an open session"):
            self._collect(10.0, session=self.session)
        counter = self._counter()
        self.assertFalse(counter.session_id)
        counter.search_text = "TV-0001"
        wizard = counter.save()
        action = wizard.action_open_session()
        Form(
            self.env[action["res_model"]]
            .with_user(self.user_cashier)
            .with_context(**action["context"]),
            view=action["views"][0][0],
        ).save()
        wizard.invalidate_recordset(["session_id"])
        self.assertEqual(wizard.session_id.user_id, self.user_cashier)
        with self.assertRaisesRegex(UserError, "already has an open session"):
            self.env["fee.cash.session"].with_user(self.user_cashier).create({})

    def test_receipts_are_made_only_through_collection(self):
        Receipt = self.env["fee.receipt"].with_user(self.user_cashier)
        with self.assertRaises(AccessError):
            Receipt.create(
                {
                    "partner_id": self.subscriber.id,
                    "amount": 10.0,
                    "journal_id": self.cash.id,
                    "channel": "counter",
                    "user_id": self.user_cashier.id,
                    "date": "2024-03-10",
                    "company_id": self.env.company.id,
                }
            )
        receipt = self._collect(10.0)
        with self.assertRaises(AccessError):
            receipt.with_user(self.user_cashier).write({"amount": 1.0})
        with self.assertRaises(AccessError):
            self._collect(10.0, user=self.user_collector)

    def test_receipt_numbers_follow_each_other_per_company(self):
        receipts = self._collect(10.0) | self._collect(11.0) | self._collect(12.0)
        self.assertEqual(
            receipts.mapped("name"),
            ["SK/2024/000001", "SK/2024/000002", "SK/2024/000003"],
        )

    def test_a_counter_pays_once_then_the_next_subscriber_gets_a_fresh_one(self):
        invoice = self._invoice(amount=198.0, date="2024-01-01")
        counter = self._counter()
        counter.search_text = "TV-0001"
        wizard = counter.save()
        action = wizard.action_pay()
        receipt = self.env["fee.receipt"].browse(action["res_id"])
        self.assertEqual((action["res_model"], receipt.amount), ("fee.receipt", 198.0))
        self.assertEqual(wizard.receipt_id, receipt)
        self.assertEqual(invoice.payment_state, "paid")
        # Back on the paid counter, with 198.00 still typed in: a second click is refused.
        wizard.amount = 198.0
        with self.assertRaisesRegex(UserError, "already took receipt SK/2024/000001"):
            wizard.action_pay()
        with self.assertRaisesRegex(UserError, "already took receipt"):
            wizard.action_pay_deposit()
        with self.assertRaises(AccessError):
            wizard.receipt_id = False
        self.assertEqual(self.env["fee.receipt"].search([]), receipt)
        # The next subscriber's counter (from the receipt or the paid counter) is new.
        next_action = self.env.ref("fee_collection.fee_counter_payment_action_next")
        self.assertEqual(
            (next_action.res_model, next_action.target), (wizard._name, "main")
        )
        receipt_arch = etree.fromstring(
            self.env["fee.receipt"]
            .with_user(self.user_cashier)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertTrue(
            receipt_arch.xpath(f"//header/button[@name='{next_action.id}']"),
            "the receipt offers the next subscriber's counter",
        )
        fresh = self._counter()
        self.assertFalse(fresh.partner_id or fresh.amount or fresh.receipt_id)

    def test_money_from_a_subscriber_owing_nothing_is_a_confirmed_deposit(self):
        counter = self._counter()
        counter.search_text = "TV-0001"
        self.assertTrue(counter.nothing_due)
        self.assertEqual(counter.amount, 0.0)
        counter.amount = 198.0
        wizard = counter.save()
        with self.assertRaisesRegex(UserError, "Zhang Wei owes nothing: confirm"):
            wizard.action_pay()
        self.assertFalse(self.env["fee.receipt"].search([]))
        receipt = self.env["fee.receipt"].browse(wizard.action_pay_deposit()["res_id"])
        self.assertEqual((receipt.amount, receipt.amount_credit), (198.0, 198.0))
        self.assertTrue(wizard.deposit_confirmed)
        # Owing nothing either when the credit covers the invoices.
        self._invoice(amount=40.0, date="2024-03-01")
        counter = self._counter()
        counter.search_text = "TV-0001"
        self.assertEqual((counter.total_due, counter.credit), (40.0, 198.0))
        self.assertTrue(counter.nothing_due)
        counter.amount = 10.0
        with self.assertRaisesRegex(UserError, "owes nothing"):
            counter.save().action_pay()
        # Owing something, the payment needs no confirmation.
        self._invoice(amount=250.0, date="2024-03-05")
        counter = self._counter()
        counter.search_text = "TV-0001"
        self.assertFalse(counter.nothing_due)
        self.assertEqual(counter.amount, 92.0)
        receipt = self.env["fee.receipt"].browse(counter.save().action_pay()["res_id"])
        self.assertEqual((receipt.amount, receipt.balance_after), (92.0, 0.0))

    def test_namesakes_are_told_apart_and_chosen_with_a_click(self):
        namesakes = self.env["res.partner"]
        for sequence, street, number in (
            ("101", "1 Wusi Road", "TV-0101"),
            ("102", "8 Gutian Road", "TV-0102"),
            ("103", "8 Gutian Road", "TV-0103"),
        ):
            namesake = self._create_subscriber(
                "Wang Fang", sequence=sequence, street=street
            )
            self._create_subscription(partner=namesake, number=number)
            namesakes |= namesake
        self._create_subscriber("Li Qiang", sequence="104")
        counter = self._counter()
        counter.search_text = "Wang Fang"
        self.assertFalse(counter.partner_id)
        wizard = counter.save()
        self.assertEqual(
            [
                (c.partner_id, c.service_numbers, c.address, c.id_number_tail)
                for c in wizard.candidate_line_ids.sorted(lambda c: c.partner_id.id)
            ],
            [
                (namesake, number, street, namesake.id_number[-4:])
                for namesake, number, street in zip(
                    namesakes,
                    ("TV-0101", "TV-0102", "TV-0103"),
                    ("1 Wusi Road", "8 Gutian Road", "8 Gutian Road"),
                    strict=True,
                )
            ],
        )
        # The subscriber field offers the matches, not every subscriber.
        domain = safe_eval(
            wizard._fields["partner_id"].domain,
            {"candidate_ids": wizard.candidate_ids.ids},
        )
        self.assertEqual(self.env["res.partner"].search(domain), namesakes)
        counter = Form(wizard)
        chosen = [line["partner_id"] for line in counter.candidate_line_ids._records]
        with counter.candidate_line_ids.edit(
            chosen.index(namesakes[2].id)
        ) as candidate:
            candidate.chosen = True
        self.assertEqual(counter.partner_id, namesakes[2])
        self.assertFalse(
            any(line["chosen"] for line in counter.candidate_line_ids._records)
        )
        self.assertEqual(counter.save().subscription_ids.service_number, "TV-0103")
        # A single match is the subscriber at once, without candidates.
        counter.search_text = "TV-0102"
        self.assertEqual(counter.partner_id, namesakes[1])
        self.assertFalse(counter.candidate_line_ids)

    def test_counter_is_titled_counter_and_a_refusal_is_confirmed(self):
        Counter = self.env["fee.counter.payment"].with_user(self.user_cashier)
        values = Counter.onchange({}, [], {"display_name": {}, "search_text": {}})
        self.assertEqual(values["value"]["display_name"], "Counter")
        arch = etree.fromstring(
            Counter.get_views([(False, "form")])["views"]["form"]["arch"]
        )
        [refusal] = arch.xpath("//button[@name='action_record_refusal']")
        self.assertTrue(refusal.get("confirm"))
        [deposit] = arch.xpath("//button[@name='action_pay_deposit']")
        self.assertTrue(deposit.get("confirm"))

    # ------------------------------------------------------------------
    # Reprints and voids
    # ------------------------------------------------------------------

    def test_first_print_then_reprints_with_a_reason(self):
        receipt = self._collect(10.0).with_user(self.user_cashier)
        action = receipt.action_print()
        self.assertEqual(action["report_name"], "fee_collection.report_fee_receipt")
        self.assertEqual(receipt.print_count, 1)
        action = receipt.action_print()
        self.assertEqual(action["res_model"], "fee.receipt.reprint")
        reprint = (
            self.env["fee.receipt.reprint"]
            .with_user(self.user_cashier)
            .with_context(**action["context"])
            .create({"reason": "Lost by the subscriber"})
        )
        self.assertEqual(reprint.action_print()["type"], "ir.actions.report")
        self.assertEqual(receipt.print_count, 2)
        self.assertEqual(reprint.user_id, self.user_cashier)
        self.assertIn("Lost by the subscriber", receipt.message_ids[0].body)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("fee_collection.report_fee_receipt", receipt.ids)[0]
            .decode()
        )
        self.assertIn("SK/2024/000001", html)
        self.assertIn("Zhang Wei", html)

    def _render_receipts(self, report_ref, receipts):
        html = self.env["ir.actions.report"]._render_qweb_html(report_ref, receipts.ids)
        return etree.fromstring(html[0], etree.HTMLParser())

    def _receipt_row(self, page, label):
        """The text of the receipt row labelled ``label``, one per receipt."""
        return [
            " ".join(cell.xpath("normalize-space()").split())
            for cell in page.xpath(f"//tr[td[1][normalize-space()='{label}']]/td[2]")
        ]

    def test_receipt_in_yuan_writes_capitals_and_names_the_method(self):
        self.env.ref("base.CNY").active = True
        self.env.company.currency_id = self.env.ref("base.CNY")
        # As Chinese charts name the cash journal (库存现金), after its account.
        self.cash.name = "Cash on Hand"
        receipts = (
            self._collect(198.0)
            | self._collect(1005.30, journal=self.wechat)
            | self._collect(10000.07)
            | self._collect(0.50)
        )
        for report in (
            "fee_collection.report_fee_receipt",
            "fee_collection.report_fee_receipt_a5",
        ):
            page = self._render_receipts(report, receipts)
            self.assertEqual(
                self._receipt_row(page, "Amount in words"),
                ["壹佰玖拾捌元整", "壹仟零伍元叁角", "壹万元零柒分", "伍角"],
            )
            self.assertEqual(
                self._receipt_row(page, "Payment method"),
                ["Cash", "WeChat Pay", "Cash", "Cash"],
            )

    def test_receipt_in_another_currency_writes_its_words(self):
        receipt = self._collect(198.0)
        page = self._render_receipts("fee_collection.report_fee_receipt", receipt)
        self.assertEqual(
            self._receipt_row(page, "Amount in words"),
            [receipt.currency_id.amount_to_text(198.0)],
        )

    def _invoice_many_lines(self, partner, count):
        """``count`` posted invoices of two long lines each, in one batch."""
        invoices = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": "2024-01-01",
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": self.product_tv.id,
                                "name": name,
                                "price_unit": 10.0,
                                "tax_ids": [],
                            }
                        )
                        for name in (
                            f"有线电视基本收视维护费 第{month}期 (月付)",
                            f"Cable TV basic package, period {month} of the year",
                        )
                    ],
                }
                for month in range(1, count + 1)
            ]
        )
        invoices.action_post()
        return invoices

    def _roll_pages(self, receipts):
        """The pages of the receipts printed on the roll, as their heights in mm."""
        # wkhtmltopdf takes the styles from this server.
        self.env["ir.config_parameter"].set_param(
            "report.url", f"http://127.0.0.1:{config['http_port']}"
        )
        pdf = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("fee_collection.report_fee_receipt", receipts.ids)[0]
        )
        return [
            float(page.mediabox.height) / 72 * 25.4
            for page in PdfFileReader(io.BytesIO(pdf), strict=False).pages
        ]

    def test_a_long_receipt_prints_on_one_continuous_page_of_the_roll(self):
        invoices = self._invoice_many_lines(self.subscriber, 40)
        long_receipt = self._collect(800.0)
        self.assertEqual(long_receipt.line_ids.move_id, invoices)
        neighbour = self._create_subscriber("Li Qiang", sequence="032")
        self._invoice(amount=25.0, partner=neighbour)
        short_receipt = self._collect(25.0, partner=neighbour)
        [short_page] = self._roll_pages(short_receipt)
        [long_page] = self._roll_pages(long_receipt)
        self.assertGreater(long_page, short_page)
        # Should the estimate fall short (another renderer, long texts), the page is
        # made longer rather than the receipt split.
        Report = type(self.env["report.fee_collection.report_fee_receipt"])
        self.patch(Report, "_get_page_height", lambda report, receipt: 60)
        [page] = self._roll_pages(long_receipt)
        self.assertGreater(page, 60)

    def test_receipt_prints_on_a5_first_or_as_a_logged_reprint(self):
        receipt = self._collect(10.0).with_user(self.user_cashier)
        arch = etree.fromstring(
            receipt.get_views([(False, "form")])["views"]["form"]["arch"]
        )
        [button] = arch.xpath("//header/button[@string='Print A5']")
        context = safe_eval(button.get("context"))
        self.assertEqual(button.get("name"), "action_print")
        action = receipt.with_context(**context).action_print()
        self.assertEqual(action["report_name"], "fee_collection.report_fee_receipt_a5")
        self.assertEqual(receipt.print_count, 1)
        action = receipt.with_context(**context).action_print()
        self.assertEqual(action["res_model"], "fee.receipt.reprint")
        reprint = (
            self.env["fee.receipt.reprint"]
            .with_user(self.user_cashier)
            .with_context(**action["context"])
            .create({"reason": "For the subscriber's employer"})
        )
        self.assertEqual(
            reprint.action_print()["report_name"],
            "fee_collection.report_fee_receipt_a5",
        )
        self.assertEqual(receipt.print_count, 2)

    def test_void_reverses_the_payment_and_keeps_the_number(self):
        invoice = self._invoice(amount=25.0, date="2024-01-01")
        receipt = self._collect(25.0).with_user(self.user_cashier)
        self.assertEqual(invoice.payment_state, "paid")
        with self.assertRaisesRegex(UserError, "reason"):
            receipt.action_void(" ")
        receipt.action_void("Wrong subscriber")
        self.assertEqual(receipt.state, "voided")
        self.assertEqual(receipt.name, "SK/2024/000001")
        self.assertEqual(invoice.amount_residual, 25.0)
        self.assertEqual(
            receipt.sudo().payment_id.move_id.reversal_move_ids.state, "posted"
        )
        self.assertEqual(
            self.env["fee.overdue"]._get_balance(self.subscriber, self.env.company),
            25.0,
        )
        anomaly = self.env["fee.anomaly"].search([("receipt_id", "=", receipt.id)])
        self.assertEqual(anomaly.anomaly_type, "void")
        self.assertIn(self.user_manager, anomaly.activity_ids.user_id)
        with self.assertRaisesRegex(UserError, "already voided"):
            receipt.action_void("Again")
        self.assertEqual(self._collect(25.0).name, "SK/2024/000002")

    def test_void_the_next_day_is_a_managers(self):
        receipt = self._collect(25.0)
        with freeze_time("2024-03-11"):
            with self.assertRaisesRegex(UserError, "only by a fee collection manager"):
                receipt.with_user(self.user_cashier).action_void("Too late")
            other_cashier = self._create_fee_user("fee_cashier_2", "group_fee_cashier")
            with self.assertRaises(AccessError):
                receipt.with_user(other_cashier).action_void("Not mine")
            receipt.with_user(self.user_manager).action_void("Approved")
        self.assertEqual(receipt.state, "voided")

    # ------------------------------------------------------------------
    # Sessions
    # ------------------------------------------------------------------

    def test_close_and_validate_a_session_with_a_difference(self):
        self._collect(60.0)
        self._collect(30.0, journal=self.wechat)
        session = self.session.with_user(self.user_cashier)
        with Form(session) as form:
            with form.line_ids.edit(0) as line:
                self.assertEqual(line.journal_id, self.cash)
                self.assertEqual(line.expected_amount, 160.0)
                line.counted_amount = 155.0
        session.action_close()
        self.assertEqual(session.state, "closed")
        wechat_line = session.line_ids.filtered(
            lambda line: line.journal_id == self.wechat
        )
        self.assertEqual(wechat_line.counted_amount, 30.0, "taken as expected")
        self.assertEqual(session.difference, -5.0)
        with self.assertRaisesRegex(
            UserError, "validated by fee collection accountants"
        ):
            session.action_validate()
        as_accountant = session.with_user(self.user_accountant)
        with self.assertRaisesRegex(UserError, "explain the difference"):
            as_accountant.action_validate()
        as_accountant.difference_note = "Change given twice"
        self.env.company.fee_cash_difference_threshold = 2.0
        as_accountant.action_validate()
        self.assertEqual(session.state, "validated")
        move = session.difference_move_ids
        self.assertEqual(move.state, "posted")
        loss = move.line_ids.filtered(
            lambda line: line.account_id == self.cash.loss_account_id
        )
        self.assertEqual(loss.balance, 5.0)
        anomaly = self.env["fee.anomaly"].search([("session_id", "=", session.id)])
        self.assertEqual(anomaly.anomaly_type, "cash_difference")
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("fee_collection.report_fee_cash_session", session.ids)[0]
            .decode()
        )
        self.assertIn("Change given twice", html)
        with self.assertRaisesRegex(UserError, "is Validated"):
            session.write({"opening_cash": 0.0})

    def test_session_fields_only_through_the_workflow(self):
        with self.assertRaises(AccessError):
            self.session.with_user(self.user_cashier).write({"state": "validated"})
        with self.assertRaises(AccessError):
            self.env["fee.cash.session"].with_user(self.user_accountant).create(
                {"state": "validated"}
            )
        others = self.env["fee.cash.session"].with_user(self.user_accountant).create({})
        with self.assertRaises(AccessError):
            others.with_user(self.user_cashier).read(["name"])

    def test_duplicate_payment_raises_an_alert(self):
        first = self._collect(25.0)
        self.assertFalse(self.env["fee.anomaly"].search([]))
        second = self._collect(25.0)
        anomaly = self.env["fee.anomaly"].search([])
        self.assertEqual(
            (anomaly.anomaly_type, anomaly.receipt_id, anomaly.other_receipt_id),
            ("duplicate", second, first),
        )
        self._collect(26.0)
        self.assertEqual(len(self.env["fee.anomaly"].search([])), 1)

    def test_refusal_is_recorded_with_its_reason(self):
        self._invoice(amount=25.0, date="2024-01-01")
        reason = self.env["fee.arrears.reason"].create(
            {"name": "Disputes the bill (test)", "code": "dispute_test"}
        )
        counter = self._counter()
        counter.search_text = "TV-0001"
        counter.reason_id = reason
        counter.save().action_record_refusal()
        self.assertEqual(self.subscriber.arrears_reason_id, reason)
        self.assertIn("Refused to pay", self.subscriber.message_ids[0].body)

    def test_daily_reconciliation_ties_receipts_to_the_journals(self):
        self._collect(30.0)
        self._collect(20.0, journal=self.wechat)
        voided = self._collect(10.0)
        voided.with_user(self.user_cashier).action_void("Typo")
        # A payment booked in the cash journal without a receipt shows as a difference.
        outside = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.subscriber.id,
                "amount": 7.0,
                "journal_id": self.cash.id,
                "date": "2024-03-10",
            }
        )
        outside.action_post()
        self.env.flush_all()
        Report = self.env["fee.cash.reconciliation.report"].with_user(
            self.user_accountant
        )
        rows = {
            journal: (receipts, booked, difference)
            for journal, receipts, booked, difference in Report._read_group(
                [("date", "=", "2024-03-10")],
                ["journal_id"],
                ["receipt_amount:sum", "journal_amount:sum", "difference:sum"],
            )
        }
        self.assertEqual(rows[self.wechat], (20.0, 20.0, 0.0))
        self.assertEqual(rows[self.cash], (30.0, 37.0, -7.0), "the void nets out")

    def test_paper_number_taken_once(self):
        self._collect(10.0, channel="import", paper_number="P-1", date=D("2024-03-01"))
        with self.assertRaisesRegex(UserError, "P-1 has already been entered"):
            self._collect(10.0, channel="import", paper_number="P-1")

    def test_void_refused_once_the_payment_is_matched_with_the_bank(self):
        receipt = self._collect(25.0, journal=self.wechat)
        payment = receipt.sudo().payment_id
        outstanding = payment.move_id.line_ids.filtered(
            lambda line: line.account_id == payment.outstanding_account_id
        )
        # The bank's statement settles the outstanding receipt (as matching a statement
        # line does).
        settlement = self.env["account.move"].create(
            {
                "journal_id": self.wechat.id,
                "date": "2024-03-11",
                "line_ids": [
                    (
                        0,
                        0,
                        {
                            "account_id": self.wechat.default_account_id.id,
                            "balance": 25.0,
                        },
                    ),
                    (0, 0, {"account_id": outstanding.account_id.id, "balance": -25.0}),
                ],
            }
        )
        settlement.action_post()
        (
            outstanding
            | settlement.line_ids.filtered(
                lambda line: line.account_id == outstanding.account_id
            )
        ).reconcile()
        with self.assertRaisesRegex(UserError, "reconciled with a bank statement"):
            receipt.with_user(self.user_cashier).action_void("Wrong")
        self.assertEqual(receipt.state, "posted")
