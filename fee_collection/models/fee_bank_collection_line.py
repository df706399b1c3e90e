from odoo import api, fields, models
from odoo.exceptions import UserError


class FeeBankCollectionLine(models.Model):
    """A debit of a run: a subscriber's mandate and the amount the bank is asked to
    debit, as sent (the account and its holder as they were), then what the bank
    answered: paid, with its receipt, or failed, with the bank's reason. Written by
    the run's workflow only."""

    _name = "fee.bank.collection.line"
    _description = "Direct Debit"
    _order = "collection_id, sequence, id"
    _rec_name = "reference"

    collection_id = fields.Many2one(
        "fee.bank.collection",
        string="Run",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    company_id = fields.Many2one(
        related="collection_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(related="collection_id.currency_id")
    sequence = fields.Integer(string="No.", readonly=True)
    reference = fields.Char(
        required=True,
        readonly=True,
        index=True,
        help="The debit's reference in the bank's files.",
    )
    mandate_id = fields.Many2one(
        "fee.bank.mandate", required=True, readonly=True, index=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Subscriber", required=True, readonly=True, index=True
    )
    acc_number = fields.Char(string="Account Number", readonly=True)
    holder_name = fields.Char(string="Account Holder", readonly=True)
    amount = fields.Monetary(readonly=True)
    state = fields.Selection(
        [("pending", "Awaiting the Bank"), ("paid", "Paid"), ("failed", "Failed")],
        required=True,
        default="pending",
        readonly=True,
        index=True,
    )
    reason_code = fields.Char(
        readonly=True, help="The bank's code of why the debit failed."
    )
    reason = fields.Char(readonly=True, help="The bank's words on why it failed.")
    receipt_id = fields.Many2one(
        "fee.receipt", readonly=True, index="btree_not_null", copy=False
    )

    _sql_constraints = [
        (
            "reference_uniq",
            "unique(collection_id, reference)",
            "A debit's reference is unique in its run.",
        ),
        (
            "partner_uniq",
            "unique(collection_id, partner_id)",
            "A run debits a subscriber once.",
        ),
    ]

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent(self):
        """A debit is taken out of a run before its file is sent only."""
        if self.collection_id.filtered(lambda c: c.state != "draft"):
            raise UserError(
                self.env._(
                    "The run was sent to the bank: its debits cannot be taken out."
                )
            )
