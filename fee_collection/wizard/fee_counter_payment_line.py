from odoo import api, fields, models


class FeeCounterPaymentLine(models.TransientModel):
    """An open invoice of the counter's subscriber: what it bills, what was paid on it
    and what is due, and whether the cashier pays this one."""

    _name = "fee.counter.payment.line"
    _description = "Counter Payment Invoice"
    _order = "invoice_date_due, id"

    wizard_id = fields.Many2one(
        "fee.counter.payment", required=True, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="wizard_id.currency_id")
    move_id = fields.Many2one("account.move", string="Invoice", required=True)
    invoice_date = fields.Date(related="move_id.invoice_date")
    invoice_date_due = fields.Date(related="move_id.invoice_date_due", store=True)
    description = fields.Text(compute="_compute_description")
    amount_total = fields.Monetary(related="move_id.amount_total", string="Billed")
    late_fee = fields.Monetary(
        compute="_compute_description",
        help="Late fees billed by this invoice, or charged on it.",
    )
    amount_paid = fields.Monetary(string="Already Paid", compute="_compute_paid")
    amount_residual = fields.Monetary(related="move_id.amount_residual", string="Due")
    selected = fields.Boolean(
        string="Pay", help="Pay these invoices only (all, oldest first, when none)."
    )

    @api.depends("move_id")
    def _compute_description(self):
        for line in self:
            invoice = line.move_id
            line.description = "\n".join(
                invoice.invoice_line_ids.filtered("name").mapped("name")
            )
            line.late_fee = (
                invoice.amount_total
                if invoice.fee_charge_type == "late_fee"
                else invoice.late_fee_charged
            )

    @api.depends("move_id")
    def _compute_paid(self):
        for line in self:
            line.amount_paid = line.move_id.amount_total - line.move_id.amount_residual
