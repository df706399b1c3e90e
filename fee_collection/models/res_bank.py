from odoo import api, fields, models


class ResBank(models.Model):
    _inherit = "res.bank"

    fee_debit_layout = fields.Selection(
        selection="_get_fee_debit_layouts",
        string="Direct Debit File Layout",
        default="generic",
        help="How the bank reads direct debit instructions and writes its return files.",
    )

    @api.model
    def _get_fee_debit_layouts(self):
        return self.env["fee.bank.layout"]._get_layouts()
