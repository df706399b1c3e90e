from odoo import api, fields, models


class FeeReceiptReprint(models.Model):
    """A reprint (补打) of a receipt, with its reason: who asked, when and why."""

    _name = "fee.receipt.reprint"
    _description = "Receipt Reprint"
    _order = "create_date desc, id desc"

    receipt_id = fields.Many2one(
        "fee.receipt", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="receipt_id.company_id", store=True)
    reason = fields.Char(required=True)
    user_id = fields.Many2one(
        "res.users", string="Printed By", default=lambda self: self.env.user
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals["user_id"] = self.env.uid
        reprints = super().create(vals_list)
        bodies = {}
        for receipt, receipt_reprints in reprints.grouped("receipt_id").items():
            receipt.sudo().print_count += len(receipt_reprints)
            bodies[receipt.id] = receipt.company_id._fee_get_lang_env()._(
                "Reprinted: %(reason)s", reason=receipt_reprints[0].reason
            )
        reprints.receipt_id._message_log_batch(bodies)
        return reprints

    def action_print(self):
        return self.receipt_id._get_report_action()
