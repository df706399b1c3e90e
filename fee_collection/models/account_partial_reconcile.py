from odoo import api, models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        partials._fee_mark_arrears_dirty()
        return partials

    @api.ondelete(at_uninstall=False)
    def _unlink_except_receipt_payment(self):
        """What a receipt's payment paid is undone only by the receipt's void."""
        lines = self.sudo().debit_move_id | self.sudo().credit_move_id
        self.env["fee.receipt"]._fee_check_sealed(lines.payment_id)

    def unlink(self):
        self._fee_mark_arrears_dirty()
        return super().unlink()

    def _fee_mark_arrears_dirty(self):
        """The arrears analysis reads what these reconciliations settle."""
        self.env["fee.arrears.fact"]._fee_mark_dirty(
            self.debit_move_id | self.credit_move_id
        )
