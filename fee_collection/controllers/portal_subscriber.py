from urllib.parse import urlencode

from odoo import fields, http
from odoo.http import request
from odoo.tools.misc import format_date

from .portal_documents import FeePortal

RECEIPT_REPORT = "fee_collection.action_report_fee_receipt_a5"
STATEMENT_REPORT = "fee_collection.action_report_subscriber_statement"


class SubscriberPortal(FeePortal):
    """The subscriber's own corner of the portal, made for a phone: their services and
    their state, the open bills with what each bills, the receipts (PDF), the statement,
    and the way to pay all that is due or the bills chosen (the pay page of their pay
    link). For users whose company (commercial partner) is a subscriber; anyone else
    finds nothing here (404).

    Services, bills and receipts are searched with the user's rights (record rules keep
    portal users to their own), and shown as the system only after that (the names of
    fee items and services they show). A receipt opens with its access token without a
    login (``_document_check_access``)."""

    # ------------------------------------------------------------------
    # Home
    # ------------------------------------------------------------------

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        subscriber = self._fee_get_subscriber()
        counted = {
            "fee_service_count": ("fee.subscription", self._fee_services_domain),
            "fee_subscriber_receipt_count": ("fee.receipt", self._fee_receipts_domain),
        }
        for counter in counted.keys() & set(counters):
            model, domain = counted[counter]
            values[counter] = (
                request.env[model].search_count(domain(subscriber)) if subscriber else 0
            )
        return values

    # ------------------------------------------------------------------
    # Services and bills
    # ------------------------------------------------------------------

    @http.route("/my/fee/services", type="http", auth="user", website=True)
    def portal_fee_services(self, **kwargs):
        subscriber = self._fee_check_subscriber()
        services = request.env["fee.subscription"].search(
            self._fee_services_domain(subscriber)
        )
        invoices = self._fee_get_open_invoices(subscriber)
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "fee_services",
                "subscriber": subscriber,
                "services": services.sudo(),
                "bills": self._fee_prepare_bills(invoices),
                "account": self._fee_prepare_account(subscriber, invoices),
                "error": kwargs.get("error") == "choose",
            }
        )
        return request.render("fee_collection.portal_fee_services", values)

    @http.route("/my/fee/pay", type="http", auth="user", website=True)
    def portal_fee_pay(self, **kwargs):
        """To the pay page of the subscriber's pay link: for all that is due, or for
        the bills chosen (``invoice_ids``, a form's check boxes), given to the pay page
        as ``invoice_ids=1,2,3``. Bills that are not the subscriber's open ones are
        refused (back to the bills)."""
        subscriber = self._fee_check_subscriber()
        chosen = request.httprequest.args.getlist("invoice_ids")
        url = subscriber._fee_get_pay_url()
        if chosen:
            ids = {int(value) for value in chosen if value.isdigit()}
            invoices = self._fee_get_open_invoices(subscriber).filtered(
                lambda invoice: invoice.id in ids
            )
            if not invoices or len(invoices) != len(set(chosen)):
                return request.redirect("/my/fee/services?error=choose")
            query = urlencode({"invoice_ids": ",".join(map(str, invoices.ids))})
            url = f"{url}?{query}"
        # The link's path on this host: the page the user browses.
        return request.redirect(url)

    @http.route("/my/fee/statement", type="http", auth="user", website=True)
    def portal_fee_statement(self, download=False, **kwargs):
        """The subscriber's statement (what is due, each open bill, what was paid on
        it), the office's own report."""
        subscriber = self._fee_check_subscriber()
        return self._show_report(subscriber, "pdf", STATEMENT_REPORT, download)

    # ------------------------------------------------------------------
    # Receipts
    # ------------------------------------------------------------------

    @http.route(
        ["/my/fee/receipts", "/my/fee/receipts/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_fee_receipts(self, page=1, **kwargs):
        subscriber = self._fee_check_subscriber()
        values = self._fee_prepare_list_values(
            "fee.receipt",
            self._fee_receipts_domain(subscriber),
            page,
            url="/my/fee/receipts",
            page_name="fee_receipts",
            records_name="receipts",
        )
        return request.render("fee_collection.portal_fee_receipts", values)

    @http.route(
        "/my/fee/receipts/<int:receipt_id>", type="http", auth="public", website=True
    )
    def portal_fee_receipt(
        self, receipt_id, access_token=None, report_type=None, download=False, **kwargs
    ):
        """A receipt, the user's own or opened with its token; anything else is not
        found, whether it exists or not."""
        receipt_sudo = self._fee_get_document("fee.receipt", receipt_id, access_token)
        if not receipt_sudo:
            raise request.not_found()
        if report_type in ("html", "pdf", "text"):
            return self._show_report(
                receipt_sudo, report_type, RECEIPT_REPORT, download
            )
        query = {"report_type": "pdf", "download": "true"}
        if access_token:
            query["access_token"] = access_token
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "fee_receipts",
                "receipt": receipt_sudo,
                "pdf_url": f"/my/fee/receipts/{receipt_sudo.id}?{urlencode(query)}",
                # A subscriber who follows a link without a login sees the receipt
                # only, not the way to the rest of the portal.
                "no_breadcrumbs": not self._fee_get_subscriber(),
            }
        )
        return request.render("fee_collection.portal_fee_receipt", values)

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _fee_get_subscriber(self):
        """The user's subscriber (their commercial partner), as the system, or an empty
        recordset for anyone who is not one."""
        user = request.env.user
        if user._is_public():
            return request.env["res.partner"].browse()
        partner = user.partner_id.commercial_partner_id.sudo()
        return partner if partner.is_subscriber else partner.browse()

    def _fee_check_subscriber(self):
        subscriber = self._fee_get_subscriber()
        if not subscriber:
            raise request.not_found()
        return subscriber

    def _fee_services_domain(self, subscriber):
        # The record rules say as much for portal users: said again for the others.
        return [("partner_id", "child_of", subscriber.id)]

    def _fee_receipts_domain(self, subscriber):
        return [("partner_id", "child_of", subscriber.id)]

    def _fee_get_open_invoices(self, subscriber):
        """The subscriber's open bills that the user may read, oldest due first."""
        return request.env["fee.overdue"]._get_open_invoices(
            subscriber.with_env(request.env)
        )

    def _fee_prepare_account(self, subscriber, invoices):
        """What the subscriber owes: all of it (credit deducted), of which overdue."""
        today = fields.Date.context_today(subscriber)
        currency = (subscriber.company_id or request.env.company).currency_id
        overdue = invoices.filtered(lambda invoice: invoice.invoice_date_due < today)
        balance = (
            request.env["fee.overdue"]
            .sudo()
            ._get_balance(subscriber, subscriber.company_id or request.env.company)
        )
        return {
            "currency": currency,
            "total": max(balance, 0.0),
            "overdue": max(
                min(sum(overdue.sudo().mapped("amount_residual")), balance), 0.0
            ),
            "suspended": request.env["fee.subscription"].search_count(
                [
                    *self._fee_services_domain(subscriber),
                    ("state", "=", "suspended"),
                    ("suspended_for_arrears", "=", True),
                ]
            ),
        }

    def _fee_prepare_bills(self, invoices):
        """Each open bill with what it bills: the fee item, the service and the period
        of each of its lines (a late fee: its label)."""
        env = request.env
        today = fields.Date.context_today(invoices)
        bills = []
        for invoice in invoices.sudo():
            lines = []
            for line in invoice.invoice_line_ids.filtered(
                lambda line: line.display_type == "product"
            ):
                service = line.subscription_id
                lines.append(
                    {
                        "label": line.product_id.display_name or line.name,
                        "service": service.service_number or "",
                        "period": env._(
                            "%(start)s to %(end)s",
                            start=format_date(env, line.period_start),
                            end=format_date(env, line.period_end),
                        )
                        if line.period_start and line.period_end
                        else "",
                        "amount": line.price_total,
                    }
                )
            bills.append(
                {
                    "invoice": invoice,
                    "overdue": invoice.invoice_date_due < today,
                    "lines": lines,
                }
            )
        return bills
