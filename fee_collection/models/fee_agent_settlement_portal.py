from odoo import models


class FeeAgentSettlement(models.Model):
    """Settlements on the portal of their agent outlet (Odoo's portal pattern)."""

    _name = "fee.agent.settlement"
    _inherit = ["fee.agent.settlement", "portal.mixin"]

    def _compute_access_url(self):
        result = super()._compute_access_url()
        for settlement in self:
            settlement.access_url = f"/my/agent/settlements/{settlement.id}"
        return result
