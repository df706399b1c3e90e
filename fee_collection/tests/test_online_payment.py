import re
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .online import OnlinePaymentCommon


@tagged("post_install", "-at_install")
class TestOnlinePayment(OnlinePaymentCommon):
    """A subscriber pays on their pay link's page: what they owe, computed on the
    server; the provider's confirmation booked as one receipt of channel "online",
    however often it comes; nothing for a link that is not valid."""

    def _assert_online_receipt(self, receipt, tx, amount):
        self.assertRecordValues(
            receipt,
            [
                {
                    "channel": "online",
                    "journal_id": self.bank.id,
                    "amount": amount,
                    "partner_id": self.subscriber.id,
                    "user_id": self.env.ref("base.user_root").id,
                    "state": "posted",
                }
            ],
        )
        self.assertEqual(tx.fee_receipt_id, receipt)
        self.assertEqual(tx.payment_id, receipt.payment_id)
        self.assertEqual(receipt.payment_id.payment_transaction_id, tx)
        payments = self.env["account.payment"].search(
            [("partner_id", "=", self.subscriber.id)]
        )
        self.assertEqual(payments, receipt.payment_id, "one payment")
        self.assertEqual(payments.state, "in_process")

    # ------------------------------------------------------------------
    # The page
    # ------------------------------------------------------------------

    def test_the_page_shows_the_dues_and_nothing_else(self):
        january = self._invoice(60.0, date="2024-01-01")
        february = self._invoice(40.0, date="2024-02-01")
        self._register_payment(february, amount=15.0)
        self._invoice(30.0, partner=self.neighbour)
        response = self.url_open(f"/p/{self._code()}")
        self.assertEqual(response.status_code, 200)
        html = response.text
        self.assertIn("Z***g W*i", html)
        self.assertNotIn("Zhang Wei", html)
        for invoice in (january, february):
            self.assertIn(invoice.name, html)
            self.assertIn(f'value="{invoice.id}"', html)
        self.assertIn('data-amount="25.00"', html)
        self.assertIn("85.00", html, "the total of both")
        self.assertIn('id="o_payment_form"', html)
        self.assertIn(f'data-transaction-route="/p/{self._code()}/transaction"', html)
        self.assertIn('data-payment-method-code="demo"', html)
        for private in (
            self.subscriber.mobile,
            self.subscriber.id_number,
            self.subscriber.street,
            "Li Qiang",
        ):
            self.assertTrue(private)
            self.assertNotIn(private, html)

    def test_the_bills_chosen_on_the_portal_are_ticked(self):
        january = self._invoice(60.0, date="2024-01-01")
        february = self._invoice(40.0, date="2024-02-01")

        def ticked(html):
            return {
                int(value)
                for value in re.findall(
                    r'<input type="checkbox" name="fee_pay_invoice"[^>]*?'
                    r'checked="checked"[^>]*?value="(\d+)"',
                    html,
                )
            }

        html = self.url_open(f"/p/{self._code()}?invoice_ids={february.id}").text
        self.assertEqual(ticked(html), {february.id})
        self.assertIn('data-amount="40.0"', html, "the payment form's amount")
        theirs = self._invoice(30.0, partner=self.neighbour)
        for query in (f"{february.id},{theirs.id}", "x", ""):
            with self.subTest(query=query):
                html = self.url_open(f"/p/{self._code()}?invoice_ids={query}").text
                self.assertEqual(ticked(html), {january.id, february.id}, "all")

    def test_nothing_to_pay(self):
        response = self.url_open(f"/p/{self._code()}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_fee_pay_nothing", response.text)
        self.assertNotIn('id="o_payment_form"', response.text)
        _result, error = self._start_payment(amount=0.0)
        self.assertIn("nothing to pay", error["message"])

    def test_a_link_not_valid_shows_nothing(self):
        self._invoice(60.0, date="2024-01-01")
        revoked = self._code()
        self.subscriber.with_user(self.user_accountant).action_fee_revoke_pay_link()
        expired = self._code(self.neighbour)
        self._invoice(30.0, partner=self.neighbour)
        # The link expired yesterday (the system keeps its date).
        self.neighbour.sudo().fee_pay_code_expiry = fields.Date.today() - timedelta(
            days=1
        )
        for code in (revoked, expired, "x" * 16, "not-a-code", "%27%20OR%201=1"):
            with self.subTest(code=code):
                response = self.url_open(f"/p/{code}")
                self.assertEqual(response.status_code, 404)
                self.assertIn("This link is not valid", response.text)
                for private in ("Z***g", "L*i", "60.00", "30.00", "o_payment_form"):
                    self.assertNotIn(private, response.text)
                _result, error = self._start_payment(code, amount=60.0)
                self.assertIn("not valid", error["message"])
        self.assertFalse(self._transactions() | self._transactions(self.neighbour))
        # A new link works at once.
        response = self.url_open(f"/p/{self._code()}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("60.00", response.text)

    # ------------------------------------------------------------------
    # The transaction: computed on the server
    # ------------------------------------------------------------------

    def test_the_transaction_is_that_of_the_chosen_invoices(self):
        january = self._invoice(60.0, date="2024-01-01")
        february = self._invoice(40.0, date="2024-02-01")
        tx = self._pay(40.0, invoices=february)
        self.assertRecordValues(
            tx,
            [
                {
                    "amount": 40.0,
                    "partner_id": self.subscriber.id,
                    "provider_id": self.provider.id,
                    "reference": february.name,
                    "state": "draft",
                    "tokenize": False,
                }
            ],
        )
        self.assertEqual(tx.invoice_ids, february)
        self.assertTrue(
            re.fullmatch(rf"/p/status/{tx.id}\?access_token=\w+", tx.landing_route),
            "the server's landing page, not the browser's",
        )
        # None chosen: all that is due.
        all_due = self._pay(100.0)
        self.assertEqual(all_due.invoice_ids, january | february)
        self.assertEqual(all_due.amount, 100.0)

    def test_a_credit_pays_first(self):
        invoice = self._invoice(60.0, date="2024-01-01")
        credit_note = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.subscriber.id,
                "invoice_date": "2024-01-05",
                "invoice_line_ids": [
                    fields.Command.create(
                        {"product_id": self.product_tv.id, "price_unit": 10.0}
                    )
                ],
            }
        )
        credit_note.action_post()
        self.assertIn("Your credit of", self.url_open(f"/p/{self._code()}").text)
        _result, error = self._start_payment(amount=60.0)
        self.assertIn("amount to pay has changed", error["message"])
        tx = self._pay(50.0, invoices=invoice)
        self._notify(tx)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertFalse(tx.fee_receipt_id.amount_credit)

    def test_a_tampered_amount_is_refused(self):
        invoice = self._invoice(60.0, date="2024-01-01")
        for amount in (59.99, 1.0, 0.0, -60.0, 600.0, "60", None):
            with self.subTest(amount=amount):
                _result, error = self._start_payment(amount=amount, invoices=invoice)
                self.assertIn("amount to pay has changed", error["message"])
        self.assertFalse(self._transactions())

    def test_invoices_of_another_subscriber_are_refused(self):
        mine = self._invoice(60.0, date="2024-01-01")
        theirs = self._invoice(30.0, partner=self.neighbour)
        paid = self._invoice(10.0, date="2024-02-01")
        self._register_payment(paid)
        draft = self._invoice(20.0, date="2024-02-01")
        draft.button_draft()
        for invoices, amount in (
            (theirs, 30.0),
            (mine | theirs, 90.0),
            (paid, 10.0),
            (draft, 20.0),
        ):
            with self.subTest(invoices=invoices.mapped("name")):
                _result, error = self._start_payment(amount=amount, invoices=invoices)
                self.assertIn("not open invoices of yours", error["message"])
        _result, error = self._start_payment(
            amount=60.0, invoice_ids=[str(mine.id)], invoices=None
        )
        self.assertIn("Choose the invoices", error["message"])
        self.assertFalse(self._transactions() | self._transactions(self.neighbour))

    def test_saved_cards_and_other_providers_are_refused(self):
        invoice = self._invoice(60.0, date="2024-01-01")
        other_company = self.setup_other_company()["company"]
        foreign = self.provider.copy({"company_id": other_company.id})
        foreign.write({"state": "test", "is_published": True})
        for params, message in (
            ({"flow": "token", "token_id": 1}, "saved cards are not offered"),
            ({"provider_id": foreign.id}, "cannot take this payment"),
            ({"payment_method_id": 999999}, "cannot take this payment"),
            ({"reference": "MINE"}, "not whitelisted"),
        ):
            with self.subTest(params=params):
                _result, error = self._start_payment(
                    amount=60.0, invoices=invoice, **params
                )
                self.assertIn(message, error["message"])
        self.provider.is_published = False
        _result, error = self._start_payment(amount=60.0, invoices=invoice)
        self.assertIn("cannot take this payment", error["message"])
        self.assertFalse(self._transactions())

    def test_the_fields_of_the_booking_are_not_written_by_hand(self):
        self._invoice(60.0, date="2024-01-01")
        tx = self._pay(60.0)
        accountant = self.user_accountant
        accountant.groups_id |= self.env.ref("account.group_account_invoice")
        for vals in (
            {"fee_subscriber_id": self.neighbour.id},
            {"fee_receipt_id": self._receipts().id or 1},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                tx.with_user(accountant).write(vals)

    # ------------------------------------------------------------------
    # Booking
    # ------------------------------------------------------------------

    def test_a_notification_twice_books_once(self):
        invoice = self._setup_suspension()
        tx = self._pay(25.0, invoices=invoice)
        self._notify(tx)
        receipt = self._receipts()
        self._assert_online_receipt(receipt, tx, 25.0)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(self.service.state, "active", "in the notification's work")
        self.assertFalse(self.subscriber.dunning_level_id)

        # The provider notifies again; then the browser's status page and the
        # scheduler post-process the transaction, which was already booked.
        with mute_logger("odoo.addons.payment.models.payment_transaction"):
            self._notify(tx)
        tx.sudo()._post_process()
        with patch.object(self.env.cr, "commit", lambda: None):
            tx.sudo()._cron_post_process()
        self.assertTrue(tx.is_post_processed)
        self.assertEqual(self._receipts(), receipt)
        self._assert_online_receipt(receipt, tx, 25.0)
        # Booking again finds it booked.
        tx._fee_book_receipts(last_try=True)
        self.assertEqual(self._receipts(), receipt)

    def test_the_receipt_says_it_was_received_online(self):
        invoice = self._invoice(25.0, date="2024-01-01")
        self._notify(self._pay(25.0, invoices=invoice))
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "fee_collection.action_report_fee_receipt", self._receipts().ids
            )[0]
            .decode()
        )
        self.assertIn("Online", html)
        self.assertNotIn(self.env.ref("base.user_root").name, html)

    def test_paid_meanwhile_at_the_counter_the_money_becomes_credit(self):
        invoice = self._invoice(60.0, date="2024-01-01")
        tx = self._pay(60.0, invoices=invoice)
        self._register_payment(invoice)
        self.assertEqual(invoice.payment_state, "paid")
        self._notify(tx)
        receipt = self._receipts()
        self.assertRecordValues(
            receipt, [{"channel": "online", "amount": 60.0, "amount_credit": 60.0}]
        )
        self.assertFalse(receipt.line_ids)
        self.assertEqual(tx.payment_id, receipt.payment_id)
        self.assertEqual(
            self.env["fee.overdue"]._get_balance(self.subscriber, self.env.company),
            -60.0,
            "kept as credit",
        )

    def test_paid_meanwhile_in_part(self):
        march = self._invoice(30.0, date="2024-03-01")
        april = self._invoice(20.0, date="2024-04-01")
        tx = self._pay(50.0)
        self._register_payment(march)
        self._notify(tx)
        receipt = tx.fee_receipt_id
        self.assertEqual(april.payment_state, "paid")
        self.assertEqual(receipt.line_ids.move_id, april)
        self.assertEqual(receipt.amount_credit, 30.0)

    def test_a_payment_that_cannot_be_booked_is_not_lost(self):
        invoice = self._invoice(60.0, date="2024-01-01")
        tx = self._pay(60.0, invoices=invoice)
        self.env.company.fee_max_receipt_amount = 50.0
        with mute_logger("odoo.addons.fee_collection.models.payment_transaction"):
            self._notify(tx)
            self.assertEqual(tx.state, "done", "no error for the provider to retry")
            self.assertFalse(tx.fee_receipt_id)
            tx.sudo()._post_process()
        self.assertFalse(self._receipts())
        payment = tx.payment_id
        self.assertRecordValues(
            payment, [{"amount": 60.0, "partner_id": self.subscriber.id}]
        )
        self.assertEqual(invoice.payment_state, "paid", "by Odoo's own payment")
        note = self.subscriber.message_ids[:1]
        self.assertIn(tx.reference, note.body)
        self.assertIn("could not be booked", note.body)

    def test_a_failed_payment_books_nothing(self):
        invoice = self._invoice(60.0, date="2024-01-01")
        for state in ("cancel", "error", "pending"):
            with self.subTest(state=state):
                tx = self._pay(60.0, invoices=invoice)
                self._notify(tx, state)
                tx.sudo()._post_process()
                self.assertFalse(tx.fee_receipt_id)
                self.assertFalse(tx.payment_id)
        self.assertFalse(self._receipts())
        self.assertEqual(invoice.payment_state, "not_paid")

    def test_transactions_of_no_subscriber_are_odoos(self):
        invoice = self._invoice(60.0, date="2024-01-01")
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": self.provider.id,
                    "payment_method_id": self.payment_method.id,
                    "reference": "STOCK-1",
                    "operation": "online_direct",
                    "amount": 60.0,
                    "currency_id": self.env.company.currency_id.id,
                    "partner_id": self.subscriber.id,
                    "invoice_ids": [fields.Command.set(invoice.ids)],
                }
            )
        )
        self._notify(tx)
        self.assertFalse(tx.payment_id, "made by the post-processing, as Odoo does")
        tx.sudo()._post_process()
        self.assertTrue(tx.payment_id)
        self.assertFalse(self._receipts())
        self.assertEqual(invoice.payment_state, "paid")

    # ------------------------------------------------------------------
    # Landing
    # ------------------------------------------------------------------

    def test_the_landing_page_shows_the_receipt(self):
        invoice = self._invoice(60.0, date="2024-01-01")
        tx = self._pay(60.0, invoices=invoice)
        response = self.url_open(tx.landing_route)
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_fee_pay_processing", response.text)
        self._notify(tx)
        receipt = tx.fee_receipt_id
        response = self.url_open(tx.landing_route)
        self.assertIn(receipt.name, response.text)
        self.assertIn("Z***g W*i", response.text)
        pdf_url = receipt.get_portal_url(report_type="pdf")
        self.assertIn(f"access_token={receipt.access_token}", pdf_url)
        self.assertIn(pdf_url.replace("&", "&amp;"), response.text)
        # The subscriber's receipt opens with its token, no login needed.
        self.assertTrue(pdf_url.startswith(f"/my/fee/receipts/{receipt.id}?"))
        response = self.url_open(pdf_url.replace("report_type=pdf", "report_type=html"))
        self.assertEqual(response.status_code, 200)
        self.assertIn(receipt.name, response.text)
        self.assertPagesHide(
            (
                f"/p/status/{tx.id}",
                f"/p/status/{tx.id}?access_token=0{tx.landing_route[-20:]}",
                f"/p/status/{tx.id + 1}?{tx.landing_route.split('?')[1]}",
            ),
            (receipt.name,),
        )
