from odoo import models


class FeeSubscription(models.Model):
    """A closed service ends the direct debit mandate signed for it."""

    _inherit = "fee.subscription"

    def _change_state(self, new_state, allowed_from, **extra_vals):
        result = super()._change_state(new_state, allowed_from, **extra_vals)
        if new_state == "closed":
            self.env["fee.bank.mandate"].sudo().search(
                [("subscription_id", "in", self.ids), ("state", "=", "active")]
            )._end_for_closed_services()
        return result
