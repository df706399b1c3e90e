from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount

from ..tools.groups import ACCOUNTANT


class FeeRefundRequest(models.Model):
    """A refund (退费): received at the counter, approved or rejected by a manager, then
    executed through accounting: an invoice charged wrongly is credited, and what the
    subscriber paid too much is paid back."""

    _name = "fee.refund.request"
    _description = "Refund Request"
    _inherit = ["fee.approval.mixin"]
    _order = "create_date desc, id desc"

    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner",
        string="Subscriber",
        required=True,
        tracking=True,
        domain="[('is_subscriber', '=', True)]",
    )
    refund_type = fields.Selection(
        [
            ("credit", "Pay Back Credit"),
            ("invoice", "Cancel a Charge"),
        ],
        string="Type",
        required=True,
        default="credit",
        tracking=True,
        help="Pay back credit: what the subscriber paid too much. Cancel a charge: an "
        "invoice billed wrongly is credited (in full, or part of it), and what of that "
        "credit the subscriber had paid is paid back.",
    )
    invoice_id = fields.Many2one(
        "account.move",
        tracking=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'), "
        "('commercial_partner_id', '=', partner_id)]",
    )
    amount = fields.Monetary(
        compute="_compute_amount",
        store=True,
        readonly=False,
        tracking=True,
        help="Paid back to the subscriber (pay back credit), or credited on the invoice "
        "(a charge): never more is paid back than this.",
    )
    credit_available = fields.Monetary(
        string="Available Credit",
        compute="_compute_credit_available",
        help="What the subscriber paid (or was credited) and is not applied to a bill: "
        "at most this is paid back.",
    )
    reason = fields.Text(required=True)
    journal_id = fields.Many2one(
        "account.journal",
        string="Paid Back By",
        domain="[('type', 'in', ('cash', 'bank')), ('company_id', '=', company_id)]",
    )
    pays_back = fields.Boolean(
        compute="_compute_pays_back",
        help="Money may be paid back to the subscriber: how is asked before submitting.",
    )
    state = fields.Selection(
        selection_add=[("done", "Done")], ondelete={"done": "cascade"}
    )
    credit_note_id = fields.Many2one("account.move", readonly=True)
    payment_id = fields.Many2one("account.payment", readonly=True)

    @api.depends("refund_type", "invoice_id")
    def _compute_amount(self):
        for request in self.filtered(lambda request: request.refund_type == "invoice"):
            request.amount = request.invoice_id.amount_total

    @api.depends("partner_id", "company_id")
    def _compute_credit_available(self):
        # Read as a system step: cashiers take refund requests but read no journal items.
        groups = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                self._get_credit_domain(),
                ["partner_id", "company_id"],
                ["amount_residual:sum"],
            )
        )
        credits = {}
        for partner, company, residual in groups:
            key = (partner.commercial_partner_id, company)
            credits[key] = credits.get(key, 0.0) - residual
        for request in self:
            request.credit_available = credits.get(
                (request.partner_id.commercial_partner_id, request.company_id), 0.0
            )

    @api.depends(
        "refund_type",
        "amount",
        "invoice_id.amount_total",
        "invoice_id.amount_residual",
    )
    def _compute_pays_back(self):
        """Credit is paid back; a charge's credit only as far as the invoice was paid
        (the rest settles what it still owes)."""
        for request in self:
            invoice = request.invoice_id.sudo()
            paid = (
                invoice.amount_total - invoice.amount_residual
                if request.refund_type == "invoice"
                else request.amount
            )
            request.pays_back = not request.currency_id.is_zero(paid)

    @api.model_create_multi
    def create(self, vals_list):
        requests = super().create(vals_list)
        for request in requests:
            request.sudo().name = (
                self.env["ir.sequence"].next_by_code("fee.refund.request") or "/"
            )
        return requests

    # ------------------------------------------------------------------
    # Workflow
    # ------------------------------------------------------------------

    def action_execute(self):
        """Credit the charge (if any), then pay back what the subscriber is owed, through
        accounting; the request is done."""
        if not self.env.user.has_group(ACCOUNTANT):
            raise UserError(
                self.env._("Only fee collection accountants execute refunds.")
            )
        self._check_state("approved")
        for request in self:
            with self.env["fee.dunning.reaction"]._judge_once():
                request.sudo()._execute()
        return True

    # ------------------------------------------------------------------
    # Approval steps
    # ------------------------------------------------------------------

    def _get_workflow_fields(self):
        return {
            **super()._get_workflow_fields(),
            **dict.fromkeys(("credit_note_id", "payment_id")),
        }

    def _get_request_fields(self):
        """What the subscriber asks for and how it is paid back."""
        return super()._get_request_fields() | {
            "partner_id",
            "refund_type",
            "invoice_id",
            "amount",
            "reason",
            "journal_id",
        }

    def _check_submission(self):
        for request in self:
            request._check_amount()
            request._check_journal()

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _execute(self):
        """Credit the charge (if any), then pay back what the subscriber is owed: at most
        the approved amount, and for a charge, only what of its credit the subscriber
        had paid (the rest settles what the invoice still owes). Nothing a receipt paid
        is undone: the credit note is a new credit, applied like any."""
        self.ensure_one()
        credit_note = self.env["account.move"]
        if self.refund_type == "invoice":
            credit_note = self._credit_invoice()
            credit_lines = credit_note.line_ids.filtered(
                lambda line: line.account_type == "asset_receivable"
            )
            invoice_lines = self.invoice_id.line_ids.filtered(
                lambda line: (
                    line.account_type == "asset_receivable" and not line.reconciled
                )
            )
            if invoice_lines:
                (credit_lines | invoice_lines).reconcile()
        else:
            credit_lines = self._get_credit_lines()
        to_pay = min(-sum(credit_lines.mapped("amount_residual")), self.amount)
        payment = self.env["account.payment"]
        if self.currency_id.compare_amounts(to_pay, 0.0) > 0:
            if not self.journal_id:
                raise UserError(
                    self.env._(
                        "Choose how %(amount)s is paid back to %(partner)s.",
                        amount=format_amount(self.env, to_pay, self.currency_id),
                        partner=self.partner_id.display_name,
                    )
                )
            payment = payment.create(
                {
                    "payment_type": "outbound",
                    "partner_type": "customer",
                    "partner_id": self.partner_id.commercial_partner_id.id,
                    "amount": to_pay,
                    "journal_id": self.journal_id.id,
                    "memo": self.name,
                    "company_id": self.company_id.id,
                }
            )
            payment.action_post()
            (
                payment.move_id.line_ids.filtered(
                    lambda line: line.account_type == "asset_receivable"
                )
                | credit_lines.filtered(lambda line: not line.reconciled)
            ).reconcile()
        self.write(
            {
                "state": "done",
                "credit_note_id": credit_note.id,
                "payment_id": payment.id,
            }
        )

    def _credit_invoice(self):
        """The posted credit note of the approved amount: the invoice reversed whole,
        or one line of the amount on its first line's income account. It goes to the
        subscriber: in the subscriber's language."""
        self.ensure_one()
        invoice = self.invoice_id
        today = fields.Date.context_today(self)
        ref = self.with_context(lang=invoice.partner_id.lang).env._(
            "Refund %(name)s: %(reason)s", name=self.name, reason=self.reason
        )
        if not self.currency_id.compare_amounts(self.amount, invoice.amount_total):
            credit_note = invoice._reverse_moves(
                [{"ref": ref, "date": today, "invoice_date": today}]
            )
        else:
            line = invoice.invoice_line_ids.filtered(
                lambda line: line.display_type == "product"
            )[:1]
            credit_note = self.env["account.move"].create(
                {
                    "move_type": "out_refund",
                    "partner_id": invoice.partner_id.id,
                    "journal_id": invoice.journal_id.id,
                    "company_id": invoice.company_id.id,
                    "reversed_entry_id": invoice.id,
                    "invoice_date": today,
                    "date": today,
                    "ref": ref,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": ref,
                                "product_id": line.product_id.id,
                                "account_id": line.account_id.id,
                                "quantity": 1.0,
                                "price_unit": self.amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        credit_note.action_post()
        return credit_note

    def _get_credit_lines(self):
        """The subscriber's unapplied credit: receivable credit items not reconciled."""
        self.ensure_one()
        return self.env["account.move.line"].search(
            self._get_credit_domain(), order="date, id"
        )

    def _get_credit_domain(self):
        """The receivable credit items not reconciled of the requests' subscribers, in
        the requests' companies."""
        return [
            ("company_id", "in", self.company_id.ids),
            ("partner_id", "child_of", self.partner_id.commercial_partner_id.ids),
            ("account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
            ("reconciled", "=", False),
            ("amount_residual", "<", 0),
        ]

    def _check_amount(self):
        self.ensure_one()
        if self.refund_type == "invoice":
            if not self.invoice_id or self.invoice_id.state != "posted":
                raise UserError(
                    self.env._("Choose the posted invoice whose charge is cancelled.")
                )
            if self.invoice_id.commercial_partner_id != (
                self.partner_id.commercial_partner_id
            ):
                raise UserError(
                    self.env._(
                        "Invoice %(invoice)s is not %(partner)s's.",
                        invoice=self.invoice_id.name,
                        partner=self.partner_id.display_name,
                    )
                )
            if self.invoice_id.payment_state == "reversed":
                raise UserError(
                    self.env._(
                        "Invoice %(invoice)s is already credited.",
                        invoice=self.invoice_id.name,
                    )
                )
            self._check_charge_amount()
            return
        available = self.credit_available
        if self.currency_id.compare_amounts(self.amount, 0.0) <= 0:
            raise UserError(self.env._("The amount to pay back must be positive."))
        if self.currency_id.compare_amounts(self.amount, available) > 0:
            raise UserError(
                self.env._(
                    "%(partner)s has %(available)s of credit: %(amount)s cannot be paid "
                    "back.",
                    partner=self.partner_id.display_name,
                    available=format_amount(self.env, available, self.currency_id),
                    amount=format_amount(self.env, self.amount, self.currency_id),
                )
            )

    def _check_charge_amount(self):
        """What is credited of a charge: positive, at most what the invoice billed (less
        what credit notes took off it already); part of it only on an untaxed invoice,
        whose credit note is then one line of that amount."""
        invoice = self.invoice_id
        currency = self.currency_id
        credited = sum(
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("reversed_entry_id", "=", invoice.id),
                    ("state", "=", "posted"),
                ]
            )
            .mapped("amount_total")
        )
        billed = invoice.amount_total - credited
        if currency.compare_amounts(self.amount, 0.0) <= 0 or (
            currency.compare_amounts(self.amount, billed) > 0
        ):
            raise UserError(
                self.env._(
                    "The amount to credit must be positive and at most what invoice "
                    "%(invoice)s billed and was not credited yet (%(billed)s).",
                    invoice=invoice.name,
                    billed=format_amount(self.env, billed, currency),
                )
            )
        if currency.compare_amounts(self.amount, invoice.amount_total) and (
            invoice.amount_tax
        ):
            raise UserError(
                self.env._(
                    "Invoice %(invoice)s bills taxes: its charge is credited in full "
                    "(%(total)s), or credit paid back instead.",
                    invoice=invoice.name,
                    total=format_amount(self.env, invoice.amount_total, currency),
                )
            )

    def _check_journal(self):
        """How the money is paid back is decided before the manager approves: a cash or
        bank journal of the company, whenever money may be paid back."""
        self.ensure_one()
        journal = self.journal_id
        if journal and (
            journal.company_id != self.company_id
            or journal.type not in ("cash", "bank")
        ):
            raise UserError(
                self.env._(
                    "%(journal)s is not a payment method of %(company)s.",
                    journal=journal.display_name,
                    company=self.company_id.name,
                )
            )
        if not journal and self.pays_back:
            raise UserError(
                self.env._(
                    "Choose how the money is paid back to %(partner)s before "
                    "submitting refund %(name)s.",
                    partner=self.partner_id.display_name,
                    name=self.name,
                )
            )

    # ------------------------------------------------------------------
    # The approval's words
    # ------------------------------------------------------------------

    def _get_request_label(self):
        return self.env._("refund")
