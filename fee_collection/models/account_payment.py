from odoo import api, models

# What Odoo itself may still write on a posted receipt's payment: the "sent" flag, and
# its state once matched with the bank.
UNSEALED_FIELDS = {"is_sent"}
UNSEALED_STATES = {"in_process", "paid"}


class AccountPayment(models.Model):
    _inherit = "account.payment"

    def write(self, vals):
        # Who may not write payments at all is told so first.
        self.check_access("write")
        if vals.keys() - UNSEALED_FIELDS - {"state"} or (
            "state" in vals and vals["state"] not in UNSEALED_STATES
        ):
            self.env["fee.receipt"]._fee_check_sealed(self)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_receipt_payment(self):
        self.env["fee.receipt"]._fee_check_sealed(self)
