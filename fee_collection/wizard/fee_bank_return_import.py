import base64

from odoo import fields, models

from ..tools import CLOSE_DIALOG, notification


class FeeBankReturnImport(models.TransientModel):
    """Upload the bank's return file of a direct debit run (银行回盘文件)."""

    _name = "fee.bank.return.import"
    _description = "Direct Debit Return File Import"

    collection_id = fields.Many2one(
        "fee.bank.collection", string="Run", required=True, ondelete="cascade"
    )
    layout = fields.Selection(related="collection_id.layout")
    file = fields.Binary(string="Return File", required=True)
    file_name = fields.Char()

    def action_import(self):
        self.ensure_one()
        summary = self.collection_id._import_return_file(
            base64.b64decode(self.file), self.file_name
        )
        return notification(
            self.collection_id._get_return_message(self.file_name or "", summary),
            CLOSE_DIALOG,
        )
