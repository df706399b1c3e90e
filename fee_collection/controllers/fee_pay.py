from odoo import Command, fields, http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request
from odoo.tools import float_repr
from odoo.tools.misc import format_date

from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment.controllers.portal import PaymentPortal

# What the browser may send to the transaction route besides the chosen invoices and
# the amount (the payment form's parameters; the payment reference account_payment's
# form adds, unused here).
FORM_KEYS = ("access_token", "payment_reference")


class FeePayPage(PaymentPortal):
    """The pay page of a pay link (缴费链接, ``/p/<code>``), no login needed: the
    subscriber's name (masked), what they owe, their open invoices to pay all or some
    of, and Odoo's payment form; then the payment's status with its receipt.

    The code is the only key: the subscriber is looked up as the system by it
    (``res.partner._fee_from_pay_code``), and only plain values of their dues reach the
    page. An unknown, expired or revoked code finds nothing (404). What is paid is
    computed on the server from the chosen invoices, never taken from the browser."""

    @http.route(
        "/p/<string:code>",
        type="http",
        auth="public",
        website=True,
        sitemap=False,
        methods=["GET"],
    )
    def fee_pay_page(self, code, invoice_ids=None, **kwargs):
        """The page; ``invoice_ids`` (``1,2,3``, as the subscriber portal links it)
        ticks those bills only, when they are all open bills of the subscriber."""
        partner = self._fee_pay_subscriber(code)
        if not partner:
            return self._fee_pay_not_found()
        values = self._fee_pay_prepare_values(partner, code, invoice_ids)
        return request.render("fee_collection.fee_pay_page", values)

    @http.route("/p/<string:code>/transaction", type="json", auth="public")
    def fee_pay_transaction(self, code, invoice_ids=None, amount=None, **kwargs):
        """Create the transaction of the chosen invoices (none: all that is due) and
        return its processing values. The amount is recomputed here: one the browser
        sent that differs is refused, as are invoices that are not the subscriber's
        open ones, and saved cards (a link is no login)."""
        partner = self._fee_pay_subscriber(code)
        if not partner:
            raise ValidationError(
                request.env._("This payment link is not valid any more.")
            )
        self._validate_transaction_kwargs(kwargs, additional_allowed_keys=FORM_KEYS)
        for key in FORM_KEYS:
            kwargs.pop(key, None)
        if kwargs.get("flow") not in ("redirect", "direct"):
            raise ValidationError(
                request.env._("Pay with a payment method: saved cards are not offered.")
            )
        dues = self._fee_pay_dues(partner)
        invoices = self._fee_pay_chosen_invoices(dues, invoice_ids)
        due = self._fee_pay_amount(dues, invoices)
        currency = dues["currency"]
        if currency.compare_amounts(due, 0.0) <= 0:
            raise ValidationError(request.env._("There is nothing to pay."))
        if not isinstance(amount, (int, float)) or currency.compare_amounts(
            amount, due
        ):
            raise ValidationError(
                request.env._(
                    "The amount to pay has changed: reload the page and check it."
                )
            )
        try:
            request.env["fee.receipt"]._check_amount(due, partner.company_id)
        except UserError as error:
            raise ValidationError(error.args[0]) from error
        provider_sudo = self._fee_pay_providers(partner, due).filtered(
            lambda provider: provider.id == kwargs.get("provider_id")
        )
        if (
            not provider_sudo
            or kwargs.get("payment_method_id")
            not in provider_sudo.payment_method_ids.ids
        ):
            raise ValidationError(
                request.env._("This payment method cannot take this payment.")
            )
        kwargs.update(
            token_id=None,
            tokenization_requested=False,
            is_validation=False,
            # Where the payment ends is this server's, not the browser's, to say: set
            # once the transaction exists.
            landing_route="/p/status",
        )
        tx_sudo = self._create_transaction(
            amount=due,
            currency_id=currency.id,
            partner_id=partner.id,
            reference_prefix=self._fee_pay_reference_prefix(invoices),
            custom_create_values={
                "invoice_ids": [Command.set(invoices.ids)],
                "fee_subscriber_id": partner.id,
            },
            **kwargs,
        )
        tx_sudo.landing_route = self._fee_pay_status_url(tx_sudo)
        return tx_sudo._get_processing_values()

    @http.route(
        "/p/status/<int:tx_id>",
        type="http",
        auth="public",
        website=True,
        sitemap=False,
        methods=["GET"],
    )
    def fee_pay_status(self, tx_id, access_token=None, **kwargs):
        """Where a payment lands: its state and, once booked, its receipt (number and
        PDF). Opened with the token the transaction was given, for a subscriber's
        payment only."""
        tx_sudo = request.env["payment.transaction"].sudo().browse(tx_id).exists()
        if not (
            tx_sudo.fee_subscriber_id
            and access_token
            and payment_utils.check_access_token(
                access_token, tx_sudo.id, tx_sudo.fee_subscriber_id.id
            )
        ):
            return self._fee_pay_not_found()
        receipt_sudo = tx_sudo.fee_receipt_id.filtered(
            lambda receipt: receipt.state == "posted"
        )
        values = {
            "page_name": "fee_pay_status",
            "subscriber_name": self._fee_pay_mask_name(tx_sudo.fee_subscriber_id.name),
            "tx_state": tx_sudo.state,
            "tx_reference": tx_sudo.reference,
            "amount": tx_sudo.amount,
            "currency": tx_sudo.currency_id,
            "receipt_name": receipt_sudo.name,
            "receipt_url": receipt_sudo
            and receipt_sudo.get_portal_url(report_type="pdf"),
        }
        return request.render("fee_collection.fee_pay_status", values)

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _fee_pay_subscriber(self, code):
        """The subscriber of this pay link (as the system), or an empty recordset."""
        return request.env["res.partner"]._fee_from_pay_code(code)

    def _fee_pay_not_found(self):
        """The same page for whatever is not found: it tells nothing of what exists."""
        return request.render(
            "fee_collection.fee_pay_not_found", {"page_name": "fee_pay"}, status=404
        )

    def _fee_pay_dues(self, partner):
        """The subscriber's open invoices (oldest due first) and unapplied credit in
        its company, as the system."""
        company = partner.company_id
        invoices = (
            request.env["fee.overdue"]
            .sudo()
            ._get_open_invoices(partner)
            .filtered(lambda invoice: invoice.company_id == company)
        )
        [(credit,)] = (
            request.env["account.move.line"]
            .sudo()
            ._read_group(
                [
                    *request.env["fee.overdue"]._open_items_domain(partner, company),
                    ("amount_residual", "<", 0),
                ],
                [],
                ["amount_residual:sum"],
            )
        )
        return {
            "company": company,
            "currency": company.currency_id,
            "invoices": invoices,
            "credit": -credit,
        }

    def _fee_pay_chosen_invoices(self, dues, invoice_ids):
        """The invoices chosen by ``invoice_ids``: the subscriber's open ones only,
        all of them when none is chosen."""
        if not invoice_ids:
            return dues["invoices"]
        if not isinstance(invoice_ids, list) or not all(
            isinstance(invoice_id, int) for invoice_id in invoice_ids
        ):
            raise ValidationError(request.env._("Choose the invoices to pay."))
        chosen = dues["invoices"].filtered(lambda invoice: invoice.id in invoice_ids)
        if len(chosen) != len(set(invoice_ids)):
            raise ValidationError(
                request.env._(
                    "Some of the chosen invoices are not open invoices of yours any "
                    "more: reload the page."
                )
            )
        return chosen

    def _fee_pay_amount(self, dues, invoices):
        """What paying ``invoices`` takes: what is due on them, less the subscriber's
        credit, which pays them first."""
        total = sum(invoices.mapped("amount_residual")) - dues["credit"]
        return dues["currency"].round(max(total, 0.0))

    def _fee_pay_providers(self, partner, amount):
        """The published providers that may take this payment, as the system."""
        return (
            request.env["payment.provider"]
            .sudo()
            ._get_compatible_providers(
                partner.company_id.id,
                partner.id,
                amount,
                currency_id=partner.company_id.currency_id.id,
            )
            .filtered("journal_id")
        )

    def _fee_pay_reference_prefix(self, invoices):
        """The payment's reference: the invoice's number when one is paid, else a
        dated one (a list of numbers would be too long for some providers)."""
        if len(invoices) == 1:
            return invoices.name
        return payment_utils.singularize_reference_prefix(prefix="FEE")

    def _fee_pay_status_url(self, tx_sudo):
        token = payment_utils.generate_access_token(
            tx_sudo.id, tx_sudo.fee_subscriber_id.id
        )
        return f"/p/status/{tx_sudo.id}?access_token={token}"

    def _fee_pay_prepare_values(self, partner, code, invoice_ids=None):
        """The pay page's values: plain values of the subscriber's dues, and those of
        Odoo's payment form (``payment.form``) for the bills ticked (those of
        ``invoice_ids``, else all)."""
        env = request.env
        dues = self._fee_pay_dues(partner)
        currency = dues["currency"]
        chosen = self._fee_pay_preselected(dues, invoice_ids)
        today = fields.Date.context_today(partner)
        lines = [
            {
                "id": invoice.id,
                "checked": invoice in chosen,
                "name": invoice.name,
                "description": "\n".join(
                    invoice.invoice_line_ids.filtered("name").mapped("name")
                ),
                "date_due": format_date(env, invoice.invoice_date_due),
                "overdue": invoice.invoice_date_due < today,
                "amount_due": invoice.amount_residual,
                "amount_input": float_repr(
                    invoice.amount_residual, currency.decimal_places
                ),
            }
            for invoice in dues["invoices"]
        ]
        amount = self._fee_pay_amount(dues, chosen)
        availability_report = {}
        providers_sudo = (
            self._fee_pay_providers(partner, amount)
            if amount
            else env["payment.provider"]
        )
        payment_methods_sudo = (
            env["payment.method"]
            .sudo()
            ._get_compatible_payment_methods(
                providers_sudo.ids,
                partner.id,
                currency_id=currency.id,
                report=availability_report,
            )
        )
        return {
            "page_name": "fee_pay",
            "subscriber_name": self._fee_pay_mask_name(partner.name),
            "company": dues["company"],
            "invoices": lines,
            "credit": dues["credit"],
            "credit_input": float_repr(dues["credit"], currency.decimal_places),
            "pending": self._fee_pay_pending(partner),
            # The payment form's context (payment.form).
            "mode": "payment",
            "amount": amount,
            "currency": currency,
            "partner_id": partner.id,
            "providers_sudo": providers_sudo,
            "payment_methods_sudo": payment_methods_sudo,
            "tokens_sudo": env["payment.token"],
            "allow_token_selection": False,
            "show_tokenize_input_mapping": dict.fromkeys(providers_sudo.ids, False),
            "availability_report": availability_report,
            "transaction_route": f"/p/{code}/transaction",
            "landing_route": f"/p/{code}",
            "access_token": None,
            "res_company": dues["company"],
        }

    def _fee_pay_preselected(self, dues, invoice_ids):
        """The bills ``invoice_ids`` (a comma-separated text) names, when they are
        all open bills of the subscriber; else all of them."""
        try:
            ids = {int(value) for value in (invoice_ids or "").split(",") if value}
        except ValueError:
            ids = set()
        chosen = dues["invoices"].filtered(lambda invoice: invoice.id in ids)
        if not ids or len(chosen) != len(ids):
            return dues["invoices"]
        return chosen

    def _fee_pay_pending(self, partner):
        """The subscriber's online payments still being processed, so that nobody
        pays twice: (amount, date) of each."""
        txs = (
            request.env["payment.transaction"]
            .sudo()
            .search(
                [
                    ("fee_subscriber_id", "=", partner.id),
                    ("state", "in", ("pending", "authorized")),
                ],
                order="id desc",
                limit=5,
            )
        )
        return [
            {"amount": tx.amount, "currency": tx.currency_id, "date": tx.create_date}
            for tx in txs
        ]

    @staticmethod
    def _fee_pay_mask_name(name):
        """A name with all but each word's first and last letters hidden: 张* for 张伟,
        Z***g W*i for Zhang Wei."""

        def mask(word):
            if len(word) < 2:
                return word
            if len(word) == 2:
                return word[0] + "*"
            return word[0] + "*" * (len(word) - 2) + word[-1]

        return " ".join(mask(word) for word in (name or "").split())
