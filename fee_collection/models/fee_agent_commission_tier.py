from odoo import api, fields, models
from odoo.exceptions import ValidationError


class FeeAgentCommissionTier(models.Model):
    """A step of an agent's tiered commission: from this much collected in a month,
    this rate on all of the month's collections (not only on what is above the step)."""

    _name = "fee.agent.commission.tier"
    _description = "Agent Commission Tier"
    _order = "agent_id, volume_from"

    agent_id = fields.Many2one(
        "res.partner", required=True, ondelete="cascade", index=True
    )
    currency_id = fields.Many2one(related="agent_id.fee_currency_id")
    volume_from = fields.Monetary(
        string="From Monthly Volume",
        required=True,
        help="Collected in the month, voided receipts deducted, from which the rate "
        "applies.",
    )
    rate = fields.Float(string="Commission (%)", required=True, digits=(5, 2))

    _sql_constraints = [
        (
            "volume_unique",
            "UNIQUE(agent_id, volume_from)",
            "An agent has one commission tier per monthly volume.",
        ),
    ]

    @api.constrains("volume_from", "rate")
    def _check_tier(self):
        for tier in self:
            if tier.volume_from < 0:
                raise ValidationError(
                    self.env._("A commission tier cannot start below zero.")
                )
            if not 0 <= tier.rate <= 100:
                raise ValidationError(
                    self.env._("A commission rate is between 0% and 100%.")
                )
