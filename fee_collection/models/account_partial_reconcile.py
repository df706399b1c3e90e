from odoo import api, models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        # Paying or crediting an invoice may lower the subscriber's dunning level and reconnect
        # the services suspended for arrears, in this same transaction. The arrears left are
        # judged on the reconciliation's date: the later of the two journal items' dates.
        self.env["res.partner"]._fee_update_dunning_after_payments(
            (
                (
                    partial.debit_move_id | partial.credit_move_id
                ).partner_id.commercial_partner_id,
                partial.max_date,
            )
            for partial in partials
        )
        return partials
