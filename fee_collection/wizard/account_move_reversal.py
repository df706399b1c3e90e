from odoo import models


class AccountMoveReversal(models.TransientModel):
    _inherit = "account.move.reversal"

    def reverse_moves(self, is_modify=False):
        # A credit note is posted, then reconciled with its invoice: the subscribers are
        # judged once, at the end.
        with self.env["fee.dunning.reaction"]._judge_once():
            return super().reverse_moves(is_modify=is_modify)
