from odoo import models


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    def session_info(self):
        """The web client starts on the home action: a fee collection role's work when
        the user chose none (see ``res.users._fee_get_home_action``)."""
        info = super().session_info()
        if info.get("is_internal_user") and not info.get("home_action_id"):
            info["home_action_id"] = self.env.user._fee_get_home_action().id
        return info
