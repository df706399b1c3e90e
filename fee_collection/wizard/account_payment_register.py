from odoo import models


class AccountPaymentRegister(models.TransientModel):
    _inherit = "account.payment.register"

    def _create_payments(self):
        # Posted, then reconciled: the subscribers are judged once, at the end.
        with self.env["fee.dunning.reaction"]._judge_once():
            return super()._create_payments()
