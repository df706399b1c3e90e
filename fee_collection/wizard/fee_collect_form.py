from odoo import fields, models


class FeeCollectForm(models.AbstractModel):
    """What the forms that take a subscriber's money share (the cashier's counter, a
    collector's outcome): the amount received, in a payment method among those the user
    takes money in; then the receipt opens. Each form computes them its own way
    (``_compute_amount``, ``_compute_journal_ids``, ``_compute_journal_id``)."""

    _name = "fee.collect.form"
    _description = "Payment Taking Form"

    # The amount's: each form's own.
    currency_id = fields.Many2one("res.currency")
    amount = fields.Monetary(
        string="Amount Received",
        compute="_compute_amount",
        store=True,
        readonly=False,
    )
    journal_ids = fields.Many2many("account.journal", compute="_compute_journal_ids")
    journal_id = fields.Many2one(
        "account.journal",
        string="Payment Method",
        compute="_compute_journal_id",
        store=True,
        readonly=False,
        domain="[('id', 'in', journal_ids)]",
    )

    def _open_form(self, record):
        """The form of ``record`` (the receipt taken, say), in the main window."""
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "view_mode": "form",
            "target": "current",
        }
