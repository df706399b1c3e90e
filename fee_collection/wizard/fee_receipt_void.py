from odoo import fields, models


class FeeReceiptVoid(models.TransientModel):
    _name = "fee.receipt.void"
    _description = "Void Receipt"

    receipt_id = fields.Many2one("fee.receipt", required=True, readonly=True)
    reason = fields.Char(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.receipt_id.action_void(self.reason)
        return {"type": "ir.actions.act_window_close"}
