from odoo import api, models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        # Paying or crediting an invoice may lower the subscriber's dunning level and reconnect
        # the services suspended for arrears, in this same transaction.
        partners = (partials.debit_move_id | partials.credit_move_id).partner_id
        partners.commercial_partner_id._fee_update_dunning_after_payment()
        return partials
