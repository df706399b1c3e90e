from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    dunning_policy_id = fields.Many2one(
        "fee.dunning.policy",
        string="Default Dunning Policy",
        domain="[('company_id', '=', id)]",
    )
    late_fee_daily_rate = fields.Float(
        digits=(16, 6),
        help="Late fee per day on the overdue amount, e.g. 0.0003 for 0.03%/day.",
    )
    late_fee_grace_days = fields.Integer(
        help="Days after the due date before late fees accrue."
    )
    late_fee_cap_ratio = fields.Float(
        digits=(16, 4),
        default=1.0,
        help="Maximum late fee of an invoice as a ratio of its amount (1.0 = 100%).",
    )
    late_fee_product_id = fields.Many2one(
        "product.product", string="Late Fee Item", domain="[('type', '=', 'service')]"
    )
    dunning_fee_product_id = fields.Many2one(
        "product.product",
        string="Dunning Fee Item",
        domain="[('type', '=', 'service')]",
    )

    @api.constrains("late_fee_daily_rate", "late_fee_grace_days", "late_fee_cap_ratio")
    def _check_late_fee_rule(self):
        for company in self:
            if (
                company.late_fee_daily_rate < 0
                or company.late_fee_grace_days < 0
                or company.late_fee_cap_ratio < 0
            ):
                raise ValidationError(
                    self.env._(
                        "The late fee rate, grace days and cap cannot be negative."
                    )
                )
