from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    fee_billing_run_id = fields.Many2one(
        "fee.billing.run", string="Billing Run", index="btree_not_null", copy=False, readonly=True,
    )
