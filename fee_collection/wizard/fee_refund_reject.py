from odoo import fields, models


class FeeRefundReject(models.TransientModel):
    _name = "fee.refund.reject"
    _description = "Reject Refund"

    request_id = fields.Many2one("fee.refund.request", required=True, readonly=True)
    reason = fields.Char(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.request_id.action_reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
