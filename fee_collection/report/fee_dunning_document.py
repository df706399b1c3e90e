from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..tools.groups import COLLECTOR


class FeeSubscriberDocument(models.AbstractModel):
    """What the dunning letters and statements show of each subscriber: its invoices
    open on the day they are printed, late-fee invoices included, and the payments not
    applied to them yet, read as a system step (collectors print letters but cannot read
    invoices), for subscribers the user may work on only.

    Each report name prints through a model of its own: the letters in
    ``fee_dunning_letter_report.py``, the statements in
    ``fee_overdue_statement_report.py``."""

    _name = "report.fee_collection.subscriber_document"
    _description = "Subscriber Letters and Statements"

    @api.model
    def _get_report_values(self, docids, data=None):
        report = self.env["ir.actions.report"]._get_report_from_name(
            self._name.removeprefix("report.")
        )
        docs = self.env[report.model].browse(docids)
        # The invoices are read with full rights: only once the user is known to be
        # allowed to work on these subscribers, and only those of the user's companies.
        docs.check_access("read")
        partners = (
            docs.partner_id if report.model == "fee.dunning.line" else docs
        ).commercial_partner_id
        self._check_workable(partners)
        invoices = (
            self.env["fee.overdue"]
            ._get_open_invoices(partners.sudo())
            .filtered(lambda move: move.company_id in self.env.companies)
        )
        by_partner = invoices.grouped("commercial_partner_id")
        credits = self._get_credits(partners)

        def account(partner, date):
            partner = partner.commercial_partner_id
            return self._get_account(
                by_partner.get(partner, invoices.browse()).with_context(
                    lang=partner.lang
                ),
                credits.get(partner, 0.0),
                date,
            )

        return {
            "doc_ids": docids,
            "doc_model": report.model,
            "docs": docs,
            "today": fields.Date.context_today(self),
            "account": account,
            "payments": self._get_payments,
            "salutation": self._get_salutation,
        }

    @api.model
    def _check_workable(self, partners):
        """Refuse subscribers the user may not work on, before anything of theirs is read
        with full rights: the user is a fee collection user, and these are subscribers
        of the user's companies that the user's record rules let them read (a
        collector's own, any of a cashier's companies)."""
        if self.env.su:
            return
        if not self.env.user.has_group(COLLECTOR):
            raise AccessError(
                self.env._("Only fee collection users work on subscribers.")
            )
        partners.check_access("read")
        other = partners.filtered(
            lambda partner: (
                not partner.is_subscriber
                or partner.company_id not in self.env.companies
            )
        )
        if other:
            raise AccessError(
                self.env._(
                    "%(partner)s is not a subscriber you work on.",
                    partner=other[0].display_name,
                )
            )

    @api.model
    def _get_credits(self, partners):
        """{subscriber: what it paid (or was credited) and is not applied to an invoice
        yet}, in the user's companies."""
        groups = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                [
                    *self.env["fee.overdue"]._open_items_domain(
                        partners, self.env.companies
                    ),
                    ("amount_residual", "<", 0),
                ],
                ["partner_id"],
                ["amount_residual:sum"],
            )
        )
        return {partner: -residual for partner, residual in groups}

    @api.model
    def _get_account(self, invoices, credit, date):
        """The subscriber's account on ``date``: its open invoices overdue and not yet
        due, each with its days overdue, and the totals. What the subscriber paid and is
        not applied yet settles the oldest debts first, as dunning counts them: what is
        overdue is what the overdue invoices owe less that credit."""
        overdue = invoices.filtered(lambda move: move.invoice_date_due < date)
        overdue_amount = sum(overdue.mapped("amount_residual_signed"))
        total = sum(invoices.mapped("amount_residual_signed")) - credit
        return {
            "invoices": invoices,
            "overdue": overdue,
            "not_due": invoices - overdue,
            "days_overdue": {
                move: (date - move.invoice_date_due).days for move in overdue
            },
            "credit": credit,
            "overdue_credit": min(credit, overdue_amount),
            "overdue_total": max(overdue_amount - credit, 0.0),
            "not_due_total": sum((invoices - overdue).mapped("amount_residual_signed")),
            "total": total,
        }

    @api.model
    def _get_payments(self, invoice):
        """What was paid or credited on an open invoice: [(date, document, amount)],
        the document a payment's receipt (the number the subscriber holds) if it has
        one, the entry otherwise."""
        payments = [
            payment
            for payment in (invoice.sudo().invoice_payments_widget or {}).get(
                "content", []
            )
            if not payment["is_exchange"]
        ]
        if not payments:
            return []
        moves = self.env["account.move"].sudo().browse(p["move_id"] for p in payments)
        receipts = {
            receipt.payment_id.move_id: receipt
            for receipt in self.env["fee.receipt"]
            .sudo()
            .search([("payment_id.move_id", "in", moves.ids)])
        }
        return [
            (
                payment["date"],
                (receipts.get(move) or move).name,
                payment["amount"],
            )
            for payment, move in zip(payments, moves, strict=True)
        ]

    @api.model
    def _get_salutation(self, partner):
        """The letter's salutation in the subscriber's language, one sentence for the
        translators to punctuate (尊敬的…：)."""
        return self.with_context(lang=partner.lang).env._(
            "Dear %(name)s,", name=partner.name
        )
