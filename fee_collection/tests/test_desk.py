import subprocess
import tempfile
from pathlib import Path

from freezegun import freeze_time
from PIL import Image

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from .common import FeeCollectionCommon

D = fields.Date.to_date


@tagged("post_install", "-at_install")
class TestDesk(FeeCollectionCommon):
    """What accountants and managers see at their desks: debts a promise does not hide,
    the subscriber's chatter telling what payments did, readable dunning history, and
    invoice lists that stay the subscriber's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls._create_dunning_policy(
            "Desk (test)",
            {"name": "Reminder", "days_overdue": 1},
            {
                "name": "Suspension",
                "days_overdue": 10,
                "min_amount": 50.0,
                "suspend_service": True,
            },
        )
        cls.reminder, cls.suspension = cls.policy.level_ids
        cls.service = cls._create_subscription(date_start="2024-01-01")

    def test_a_promise_pauses_dunning_but_does_not_hide_the_debt(self):
        invoice = self._invoice(amount=80.0, date="2024-01-01")
        self._invoice(amount=20.0, date="2024-01-05")
        invoice.promise_date = "2024-01-25"
        with freeze_time("2024-01-10"):
            self.subscriber.invalidate_recordset()
            self.assertEqual(self.subscriber.fee_overdue_amount, 100.0)
            self.assertEqual(self.subscriber.fee_overdue_days, 9)
            self.assertEqual(self.subscriber.fee_paused_amount, 80.0)
            self.assertEqual(self.subscriber.fee_promise_date, D("2024-01-25"))
            overdue = self.env["res.partner"].search(
                [("is_subscriber", "=", True), ("fee_overdue_amount", ">", 0)]
            )
            self.assertIn(self.subscriber, overdue, "stays in the Overdue filter")

    def test_level_drops_and_reconnections_are_told_on_the_subscriber(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        invoice = self._invoice(amount=100.0, date="2024-01-01")
        self._dun_on("2024-01-05")
        self._dun_on("2024-01-12")
        self.assertEqual(self.service.state, "suspended")
        with freeze_time("2024-01-13"):
            self._register_payment(invoice, amount=60.0)
        self.subscriber.invalidate_recordset(["message_ids"])
        messages = self.subscriber.message_ids
        self.assertEqual(self.service.state, "active")
        self.assertIn("lowered from Suspension to Reminder", messages[1].body)
        self.assertIn("Reconnected", messages[0].body)
        self.assertIn("TV-0001", messages[0].body)
        run = self._dun_on("2024-01-20")
        self.assertFalse(run.line_ids, "40.00 still reaches the reminder")
        with freeze_time("2024-01-21"):
            self._register_payment(invoice)
        self.assertIn(
            "lowered from Reminder to no level", self.subscriber.message_ids[0].body
        )

    def test_a_run_says_why_a_level_drops(self):
        invoice = self._invoice(amount=100.0, date="2024-01-01")
        self._dun_on("2024-01-05")
        invoice.promise_date = "2024-01-31"
        line = self._dun_on("2024-01-06").line_ids
        self.assertEqual(
            (line.previous_level_id, line.level_id.id), (self.reminder, False)
        )
        self.assertIn("Nothing overdue any more", line.change_reason)
        self.assertIn("100.00 held back by a promise to pay", line.change_reason)

    def test_dunning_history_is_named_and_kept(self):
        self.reminder.send_letter = True
        self._invoice(amount=100.0, date="2024-01-01")
        run = self._dun_on("2024-01-05")
        line = run.line_ids
        self.assertEqual(line.display_name, f"{run.name} · Zhang Wei")
        with self.assertRaises(AccessError):
            line.with_user(self.user_accountant).unlink()
        with self.assertRaises(AccessError):
            line.action_ids.with_user(self.user_accountant).unlink()

    def test_subscriber_invoices_stay_the_subscribers_after_a_reload(self):
        mine = self._invoice(amount=10.0, date="2024-01-01")
        neighbour = self._create_subscriber("Li Qiang", sequence="032")
        self._invoice(amount=20.0, date="2024-01-01", partner=neighbour)
        action = self.env.ref("fee_collection.fee_subscriber_invoice_action")
        # What the web client does on a reload: the action again, with the subscriber's
        # id from the page's address as active_id.
        domain = safe_eval(action.domain, {"active_id": self.subscriber.id})
        self.assertEqual(self.env["account.move"].search(domain), mine)

    # ------------------------------------------------------------------
    # Printed letters and statements
    # ------------------------------------------------------------------

    def _render(self, report, records):
        return (
            self.env["ir.actions.report"]
            ._render_qweb_html(report, records.ids)[0]
            .decode()
        )

    def test_letters_carry_the_letterhead_in_the_subscribers_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.reminder.letter_body = "<p>Please pay.</p>"
        self.reminder.with_context(lang="zh_CN").write(
            {"name": "缴费提醒", "letter_body": "<p>请尽快缴清欠费。</p>"}
        )
        self.subscriber.lang = "zh_CN"
        self.env.company.write({"phone": "0514-87361234", "website": "www.example.com"})
        self._invoice(amount=100.0, date="2024-01-01")
        line = self._dun_on("2024-01-05").line_ids
        for report, records in (
            ("fee_collection.report_dunning_letter", line),
            ("fee_collection.report_subscriber_letter", self.subscriber),
        ):
            with self.subTest(report=report):
                html = self._render(report, records)
                self.assertIn("o_fee_letterhead", html)
                self.assertIn(self.env.company.name, html)
                self.assertIn("0514-87361234", html, "the company's letterhead")
                self.assertIn("www.example.com", html, "and footer, in the page")
                self.assertIn("缴费提醒", html, "the level's name, in Chinese")
                self.assertIn("请尽快缴清欠费", html)
                self.assertNotIn("Please pay", html)

    def test_statement_as_of_the_print_date_with_late_fees(self):
        first = self._invoice(amount=100.0, date="2024-01-01")
        line = self._dun_on("2024-01-05").line_ids
        late_fee = self._invoice(amount=3.0, date="2024-01-20")
        late_fee.sudo().fee_charge_type = "late_fee"
        self._register_payment(first, amount=40.0)
        with freeze_time("2024-02-01"):
            html = self._render("fee_collection.report_overdue_statement", line)
            by_subscriber = self._render(
                "fee_collection.report_subscriber_statement", self.subscriber
            )
        for document in (html, by_subscriber):
            self.assertIn(late_fee.name, document, "the late fee charged since")
            self.assertIn("63.00", document, "60.00 left and 3.00 of late fee")
            self.assertIn("02/01/2024", document, "as of the day it is printed")

    def test_letter_pdf_shows_the_letterhead_on_the_page(self):
        """Debian's wkhtmltopdf drops Odoo's own header and footer: the letterhead must be
        on the printed page itself, so the PDF is rendered and read back as an image."""
        self.env.company.write({"phone": "0514-87361234", "website": "www.example.com"})
        self._invoice(amount=100.0, date="2024-01-01")
        line = self._dun_on("2024-01-05").line_ids
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("fee_collection.report_dunning_letter", line.ids)
        )
        self.assertEqual(report_type, "pdf")
        with tempfile.TemporaryDirectory() as folder:
            letter = Path(folder, "letter.pdf")
            letter.write_bytes(pdf)
            subprocess.run(["pdftotext", "-layout", letter], check=True)
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    "50",
                    "-singlefile",
                    letter,
                    letter.with_suffix(""),
                ],
                check=True,
            )
            text = letter.with_suffix(".txt").read_text()
            page = Image.open(letter.with_suffix(".png")).convert("L")
        first_lines = "\n".join(text.splitlines()[:6])
        self.assertIn(self.env.company.name, first_lines, "the letterhead, on top")
        self.assertIn("0514-87361234", first_lines)
        self.assertIn("www.example.com", text, "the footer")
        width, height = page.size
        top_band = page.crop((0, 0, width, height // 6))
        self.assertLess(min(top_band.getdata()), 128, "something is printed up there")

    # ------------------------------------------------------------------
    # Payments from the subscriber's file
    # ------------------------------------------------------------------

    def test_accountant_registers_one_payment_from_the_file(self):
        invoices = self._invoice(amount=60.0, date="2024-01-01") | self._invoice(
            amount=40.0, date="2024-02-01"
        )
        other = self._create_subscriber("Li Na", sequence="002")
        self._invoice(amount=70.0, date="2024-01-01", partner=other)
        subscriber = self.subscriber.with_user(self.user_accountant)
        action = subscriber.action_fee_register_payment()
        wizard = Form(
            self.env[action["res_model"]]
            .with_user(self.user_accountant)
            .with_context(**action["context"])
        )
        self.assertEqual(wizard.amount, 100.0, "the subscriber's invoices, not Li Na's")
        self.assertTrue(wizard.group_payment, "one transfer, one payment")
        wizard.amount = 70.0
        wizard.save().action_create_payments()
        self.assertEqual(
            invoices.mapped("amount_residual"), [0.0, 30.0], "oldest first"
        )
        self.assertEqual(subscriber.sudo().fee_overdue_amount, 30.0)

        other.invoice_ids.button_draft()
        other.invoice_ids.button_cancel()
        with self.assertRaisesRegex(UserError, "Li Na has nothing to pay"):
            other.with_user(self.user_accountant).action_fee_register_payment()

    def test_cashier_takes_payment_from_the_file(self):
        self._invoice(amount=60.0, date="2024-01-01")
        action = self.subscriber.with_user(self.user_cashier).action_fee_take_payment()
        self.assertEqual(action["res_model"], "fee.counter.payment")
        counter = Form(
            self.env["fee.counter.payment"]
            .with_user(self.user_cashier)
            .with_context(**action["context"])
        )
        self.assertEqual(counter.partner_id, self.subscriber)
        self.assertEqual(counter.amount, 60.0)
