import re
import uuid
from urllib.parse import urlencode

from odoo import http
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.http import request
from odoo.tools import float_repr
from odoo.tools.misc import format_date

from ..tools.groups import AGENT_STAFF
from .portal_documents import FeePortal

RECEIPT_REPORT = "fee_collection.action_report_fee_receipt"
STATEMENT_REPORT = "fee_collection.action_report_fee_agent_statement"
# An amount as typed at a counter: digits, and decimals after a point or a comma.
AMOUNT_PATTERN = re.compile(r"\d+(?:[.,]\d+)?")


class AgentPortal(FeePortal):
    """The counter of an agent outlet (代办网点) on the portal, for its staff only: find
    a subscriber by service number, see what is due (the name and the open invoices,
    nothing else of the subscriber's file), take the money, print the receipt; read the
    outlet's receipts and settlements. Anyone else finds nothing here (404).

    Staff have no rights on subscribers nor invoices: the subscriber is looked up as the
    system once the user is known to be staff, and only its id and dues are used. The
    collection itself runs with the user's rights, which the receipt's process checks
    (own outlet, its journal, its credit). Receipts and settlements are read with the
    user's rights (record rules keep staff to their outlet), and shown as the system
    only after that check (``_document_check_access``)."""

    # ------------------------------------------------------------------
    # Home
    # ------------------------------------------------------------------

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        is_staff = self._fee_is_agent_staff()
        if "fee_agent_receipt_count" in counters:
            values["fee_agent_receipt_count"] = (
                request.env["fee.receipt"].search_count(
                    self._fee_agent_receipts_domain()
                )
                if is_staff
                else 0
            )
        if "fee_agent_settlement_count" in counters:
            values["fee_agent_settlement_count"] = (
                request.env["fee.agent.settlement"].search_count(
                    self._fee_agent_settlements_domain()
                )
                if is_staff
                else 0
            )
        return values

    # ------------------------------------------------------------------
    # Collect
    # ------------------------------------------------------------------

    @http.route(
        "/my/agent/collect",
        type="http",
        auth="user",
        website=True,
        methods=["GET", "POST"],
    )
    def portal_agent_collect(self, service_number=None, amount=None, **kwargs):
        """GET: the search form, and what the subscriber found owes. POST (the form's
        CSRF token checked by the route): take ``amount``, then go to the receipt, so
        that reloading the page does not collect again."""
        self._fee_check_agent_staff()
        service_number = (service_number or "").strip()
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "fee_agent_collect",
                "service_number": service_number,
                "amount": (amount or "").strip(),
                "error": None,
                "warning": self._fee_get_outlet_warning(),
                "due": None,
            }
        )
        if service_number:
            partner, error = self._fee_find_subscriber(service_number)
            values["error"] = error
            if partner and request.httprequest.method == "POST":
                result = self._fee_take_collection(
                    partner, values["amount"], kwargs.get("request_key")
                )
                if not isinstance(result, str):
                    return request.redirect(result.access_url)
                values["error"] = result
            if partner:
                values["due"] = self._fee_prepare_due_values(partner)
        elif request.httprequest.method == "POST":
            values["error"] = request.env._("Enter the subscriber's service number.")
        values["request_key"] = uuid.uuid4().hex
        return request.render("fee_collection.portal_agent_collect", values)

    def _fee_find_subscriber(self, service_number):
        """(subscriber as the system, error message): the one subscriber of the user's
        company with this service number."""
        partners = (
            request.env["fee.subscription"]
            .sudo()
            .search(
                [
                    ("service_number", "=", service_number),
                    ("company_id", "=", request.env.company.id),
                ]
            )
            .partner_id.commercial_partner_id
        )
        if not partners:
            return partners, request.env._(
                "No subscriber has the service number %(number)s.",
                number=service_number,
            )
        if len(partners) > 1:
            return partners.browse(), request.env._(
                "Several subscribers have the service number %(number)s: the company "
                "must take this payment.",
                number=service_number,
            )
        return partners, None

    def _fee_prepare_due_values(self, partner):
        """What the page shows of the subscriber: its name and open invoices (number,
        date, period billed, amount due) and their total, as plain values, so that the
        page cannot reach anything else of the file."""
        company = request.env.company
        invoices = (
            request.env["fee.overdue"]
            .sudo()
            ._get_open_invoices(partner)
            .filtered(lambda invoice: invoice.company_id == company)
        )
        env = request.env
        lines = []
        for invoice in invoices:
            billed = invoice.invoice_line_ids
            starts = [date for date in billed.mapped("period_start") if date]
            ends = [date for date in billed.mapped("period_end") if date]
            lines.append(
                {
                    "name": invoice.name,
                    "date": format_date(env, invoice.invoice_date),
                    "period": (
                        env._(
                            "%(start)s to %(end)s",
                            start=format_date(env, min(starts)),
                            end=format_date(env, max(ends)),
                        )
                        if starts and ends
                        else ""
                    ),
                    "amount_due": invoice.amount_residual,
                }
            )
        currency = company.currency_id
        total = currency.round(sum(invoices.mapped("amount_residual")))
        return {
            "subscriber_name": partner.display_name,
            "invoices": lines,
            "total": total,
            # What the amount field offers: the total due, as typed at a counter.
            "total_input": float_repr(total, currency.decimal_places)
            if currency.compare_amounts(total, 0.0) > 0
            else "",
            "currency": currency,
        }

    def _fee_take_collection(self, partner, amount, request_key):
        """The receipt of ``amount`` taken from ``partner`` for the user's outlet, or
        the message saying why nothing was booked. The same form sent again gives the
        receipt it took the first time."""
        Receipt = request.env["fee.receipt"]
        if request_key:
            done = Receipt.sudo().search(
                [("portal_request_key", "=", request_key)], limit=1
            )
            if done:
                done = done.with_env(request.env)
                if done.has_access("read"):
                    return done
                return request.env._("This form has already been sent.")
        try:
            value = self._fee_parse_amount(amount)
            company = request.env.company
            journal = company.sudo().fee_agent_journal_id.with_env(request.env)
            # Nothing of a refused collection stays written.
            with request.env.cr.savepoint():
                subscriber = request.env["res.partner"].browse(partner.id)
                receipt = subscriber._fee_collect(
                    value,
                    journal,
                    channel="agent",
                    agent=request.env.user.partner_id.commercial_partner_id,
                )
                if request_key:
                    receipt.sudo().portal_request_key = request_key
        except (UserError, AccessError, ValidationError) as error:
            return error.args[0]
        return receipt

    def _fee_get_outlet_warning(self):
        """Why the user's outlet cannot collect now (blocked, closed), if it cannot:
        said before the clerk looks anyone up."""
        try:
            self._fee_get_outlet().sudo()._fee_check_agent_active()
        except UserError as error:
            return error.args[0]
        return None

    def _fee_parse_amount(self, amount):
        if not amount:
            raise UserError(request.env._("Enter the amount received."))
        if not AMOUNT_PATTERN.fullmatch(amount):
            raise UserError(
                request.env._(
                    "“%(amount)s” is not an amount: type digits, with a decimal point "
                    "if needed, such as 45.50.",
                    amount=amount,
                )
            )
        return float(amount.replace(",", "."))

    # ------------------------------------------------------------------
    # Receipts
    # ------------------------------------------------------------------

    @http.route(
        ["/my/agent/receipts", "/my/agent/receipts/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_agent_receipts(self, page=1, **kwargs):
        self._fee_check_agent_staff()
        values = self._fee_prepare_list_values(
            "fee.receipt",
            self._fee_agent_receipts_domain(),
            page,
            url="/my/agent/receipts",
            page_name="fee_agent_receipts",
            records_name="receipts",
        )
        return request.render("fee_collection.portal_agent_receipts", values)

    @http.route(
        "/my/agent/receipts/<int:receipt_id>", type="http", auth="user", website=True
    )
    def portal_agent_receipt(
        self, receipt_id, access_token=None, report_type=None, download=False, **kwargs
    ):
        self._fee_check_agent_staff()
        receipt_sudo = self._fee_get_document("fee.receipt", receipt_id, access_token)
        if not receipt_sudo:
            return request.redirect("/my/agent/receipts")
        if report_type == "pdf":
            request.env["fee.receipt"].browse(receipt_sudo.id)._fee_log_portal_print()
            return self._show_report(receipt_sudo, "pdf", RECEIPT_REPORT, download)
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "fee_agent_receipts",
                "receipt": receipt_sudo,
                "print_url": self._fee_report_url(receipt_sudo, access_token),
            }
        )
        return request.render("fee_collection.portal_agent_receipt", values)

    # ------------------------------------------------------------------
    # Settlements
    # ------------------------------------------------------------------

    @http.route(
        ["/my/agent/settlements", "/my/agent/settlements/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_agent_settlements(self, page=1, **kwargs):
        self._fee_check_agent_staff()
        values = self._fee_prepare_list_values(
            "fee.agent.settlement",
            self._fee_agent_settlements_domain(),
            page,
            url="/my/agent/settlements",
            page_name="fee_agent_settlements",
            records_name="settlements",
        )
        return request.render("fee_collection.portal_agent_settlements", values)

    @http.route(
        "/my/agent/settlements/<int:settlement_id>",
        type="http",
        auth="user",
        website=True,
    )
    def portal_agent_settlement(
        self,
        settlement_id,
        access_token=None,
        report_type=None,
        download=False,
        **kwargs,
    ):
        self._fee_check_agent_staff()
        settlement_sudo = self._fee_get_document(
            "fee.agent.settlement", settlement_id, access_token
        )
        if not settlement_sudo:
            return request.redirect("/my/agent/settlements")
        statement = request.env.ref(STATEMENT_REPORT, raise_if_not_found=False)
        if report_type == "pdf" and statement:
            return self._show_report(settlement_sudo, "pdf", STATEMENT_REPORT, download)
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "fee_agent_settlements",
                "settlement": settlement_sudo,
                "statement_url": statement
                and self._fee_report_url(settlement_sudo, access_token),
            }
        )
        return request.render("fee_collection.portal_agent_settlement", values)

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _fee_is_agent_staff(self):
        return request.env.user.has_group(AGENT_STAFF)

    def _fee_check_agent_staff(self):
        """Only an outlet's staff have a counter here: anyone else gets a 404."""
        if not self._fee_is_agent_staff():
            raise request.not_found()

    def _fee_get_outlet(self):
        return request.env.user.partner_id.commercial_partner_id

    def _fee_report_url(self, document, access_token=None):
        """The PDF of ``document``'s page, with the token it was opened with, if any."""
        query = {"report_type": "pdf"}
        if access_token:
            query["access_token"] = access_token
        return f"{document.access_url}?{urlencode(query)}"

    def _fee_agent_receipts_domain(self):
        # The record rules say as much: said again, for the lists' sake.
        return [("channel", "=", "agent"), ("agent_id", "=", self._fee_get_outlet().id)]

    def _fee_agent_settlements_domain(self):
        return [("agent_id", "=", self._fee_get_outlet().id)]
