from odoo import models

from ..tools.groups import ACCOUNTANT, CASHIER, COLLECTOR

# Where fee collection users start when they chose no home action: their work, rather
# than the first app (Discuss). The first group a user has decides; accountants and
# managers, whose work is more than one screen, keep Odoo's default.
HOME_ACTIONS = (
    (ACCOUNTANT, None),
    (CASHIER, "fee_collection.fee_counter_payment_action"),
    (
        COLLECTOR,
        "fee_collection.fee_collection_order_action_mine",
    ),
)


class ResUsers(models.Model):
    _inherit = "res.users"

    def _fee_get_home_action(self):
        """The action this user starts on after login: their own home action, else the
        one of their fee collection role (the counter for cashiers, their orders for
        collectors), else none (Odoo's default)."""
        self.ensure_one()
        no_action = self.env["ir.actions.actions"]
        if self.action_id:
            return self.action_id
        for group, xmlid in HOME_ACTIONS:
            if self.has_group(group):
                return self.env.ref(xmlid) if xmlid else no_action
        return no_action
