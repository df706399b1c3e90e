from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    fee_dunning_policy_id = fields.Many2one(
        related="company_id.dunning_policy_id", readonly=False
    )
    late_fee_daily_rate = fields.Float(
        related="company_id.late_fee_daily_rate", readonly=False, digits=(16, 6)
    )
    late_fee_grace_days = fields.Integer(
        related="company_id.late_fee_grace_days", readonly=False
    )
    late_fee_cap_ratio = fields.Float(
        related="company_id.late_fee_cap_ratio", readonly=False, digits=(16, 4)
    )
    late_fee_product_id = fields.Many2one(
        related="company_id.late_fee_product_id", readonly=False
    )
    dunning_fee_product_id = fields.Many2one(
        related="company_id.dunning_fee_product_id", readonly=False
    )
    fee_promise_max_days = fields.Integer(
        related="company_id.fee_promise_max_days", readonly=False
    )
    fee_unreachable_attempts = fields.Integer(
        related="company_id.fee_unreachable_attempts", readonly=False
    )
    fee_duplicate_window_minutes = fields.Integer(
        related="company_id.fee_duplicate_window_minutes", readonly=False
    )
    fee_cash_difference_threshold = fields.Monetary(
        related="company_id.fee_cash_difference_threshold",
        readonly=False,
        currency_field="currency_id",
    )
