from odoo import fields, models


class FeeWriteOffReject(models.TransientModel):
    _name = "fee.write.off.reject"
    _description = "Reject Write-off"

    write_off_id = fields.Many2one("fee.write.off", required=True, readonly=True)
    reason = fields.Char(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.write_off_id.action_reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
