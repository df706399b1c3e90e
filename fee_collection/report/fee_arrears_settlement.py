from odoo import fields, models
from odoo.tools import SQL

# The dates on which a settlement was still to come on its item (see the index).
PENDING = SQL("daterange(item_date, GREATEST(item_date, date))")
SETTLEMENT_KINDS = [
    ("payment", "Payment"),
    ("credit_note", "Credit Note"),
    ("recovery", "Recovery"),
    ("other", "Other Entry"),
]


class FeeArrearsSettlement(models.Model):
    """What settled a share of a receivable item, and when: a share of a
    reconciliation, seen from the item's side (positive on an invoice, negative on a
    payment). Kept by ``fee.arrears.fact``, with the dimensions of its share."""

    _name = "fee.arrears.settlement"
    _description = "Arrears Analysis Settlement"
    _log_access = False

    item_id = fields.Many2one(
        "account.move.line", required=True, index=True, ondelete="cascade"
    )
    rn = fields.Integer(string="Share")
    partial_id = fields.Many2one(
        "account.partial.reconcile", index=True, ondelete="cascade"
    )
    date = fields.Date(help="Date of the reconciliation.")
    payment_date = fields.Date()
    payment_id = fields.Many2one("account.payment", index="btree_not_null")
    is_statement = fields.Boolean(help="Settled by a bank statement line.")
    kind = fields.Selection(SETTLEMENT_KINDS)
    amount = fields.Monetary()
    in_month = fields.Boolean(help="Settled by the end of the billing month.")
    month = fields.Date()
    date_due = fields.Date()
    move_id = fields.Many2one("account.move", ondelete="cascade")
    company_id = fields.Many2one("res.company")
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner")
    product_id = fields.Many2one("product.product")
    subscription_id = fields.Many2one("fee.subscription")
    is_debit = fields.Boolean()
    item_date = fields.Date(help="Posting date of the item.")

    def init(self):
        res = super().init()
        # As of a date, the settlements to take back are those made after it on items
        # posted by then: the date lies in [item_date, date).
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS fee_arrears_settlement_pending_index "
                "ON fee_arrears_settlement USING gist (%s)",
                PENDING,
            )
        )
        return res
