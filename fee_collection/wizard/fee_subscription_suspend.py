from odoo import api, fields, models


class FeeSubscriptionSuspend(models.TransientModel):
    _name = "fee.subscription.suspend"
    _description = "Suspend Services"

    subscription_ids = fields.Many2many(
        "fee.subscription",
        string="Services",
        required=True,
        default=lambda self: self._default_subscription_ids(),
    )
    reason = fields.Char(required=True)

    @api.model
    def _default_subscription_ids(self):
        if self.env.context.get("active_model") == "fee.subscription":
            return self.env["fee.subscription"].browse(
                self.env.context.get("active_ids")
            )
        return self.env["fee.subscription"]

    def action_confirm(self):
        self.ensure_one()
        self.subscription_ids.action_suspend(reason=self.reason)
        return {"type": "ir.actions.act_window_close"}
