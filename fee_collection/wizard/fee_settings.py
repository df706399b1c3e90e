from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..tools.groups import MANAGER

# The company's fee collection settings, as this form shows them.
COMPANY_FIELDS = (
    "dunning_policy_id",
    "dunning_fee_product_id",
    "late_fee_daily_rate",
    "late_fee_grace_days",
    "late_fee_cap_ratio",
    "late_fee_product_id",
    "fee_promise_max_days",
    "fee_chronic_late_count",
    "fee_unreachable_attempts",
    "fee_duplicate_window_minutes",
    "fee_cash_difference_threshold",
    "fee_max_receipt_amount",
    "fee_allow_self_approval",
    "fee_bad_debt_account_id",
    "fee_bad_debt_recovery_account_id",
)


class FeeSettings(models.TransientModel):
    """Fee collection's settings, for its managers, who need not be Odoo administrators
    (Odoo's Settings are for those): the company's values, written back on save.

    Shown as Odoo's settings are (the ``base_settings`` form view): its Save and Discard
    in the control panel call ``execute`` and discard the changes, as they do for
    ``res.config.settings``, whose own ``execute`` is for administrators only."""

    _name = "fee.settings"
    _description = "Fee Collection Settings"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    dunning_policy_id = fields.Many2one(
        "fee.dunning.policy",
        string="Default Dunning Policy",
        domain="[('company_id', '=', company_id)]",
    )
    dunning_fee_product_id = fields.Many2one(
        "product.product",
        string="Dunning Fee Item",
        domain="[('type', '=', 'service')]",
    )
    late_fee_daily_rate = fields.Float(
        string="Late Fee a Day", digits=(16, 6), help="0.05% is 0.0005."
    )
    late_fee_grace_days = fields.Integer(string="Grace Days")
    late_fee_cap_ratio = fields.Float(
        string="Late Fee Cap", digits=(16, 4), help="Of the amount it is charged on."
    )
    late_fee_product_id = fields.Many2one(
        "product.product", string="Late Fee Item", domain="[('type', '=', 'service')]"
    )
    fee_promise_max_days = fields.Integer(string="Promise Horizon (Days)")
    fee_chronic_late_count = fields.Integer(string="Chronic Late Payer After")
    fee_unreachable_attempts = fields.Integer(string="Visit After Missed Calls")
    fee_duplicate_window_minutes = fields.Integer(string="Duplicate Payment Window")
    fee_cash_difference_threshold = fields.Monetary(string="Cash Difference Alert")
    fee_max_receipt_amount = fields.Monetary(
        string="Largest Receipt", help="Larger amounts are refused (0: no limit)."
    )
    fee_allow_self_approval = fields.Boolean(
        string="One-person Office",
        help="Whoever took the money may validate their own session, whoever asked "
        "for a refund or write-off may approve it; it is noted on the document.",
    )
    fee_bad_debt_account_id = fields.Many2one(
        "account.account",
        string="Bad Debt Expense Account",
        domain="[('account_type', 'in', ('expense', 'expense_other')), "
        "('company_ids', 'in', company_id)]",
        help="Debited by approved write-offs.",
    )
    fee_bad_debt_recovery_account_id = fields.Many2one(
        "account.account",
        string="Bad Debt Recovery Account",
        domain="[('account_type', 'in', ('income', 'income_other')), "
        "('company_ids', 'in', company_id)]",
        help="Credited by what subscribers pay on written-off debts.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        company = self.env.company
        for name in COMPANY_FIELDS:
            if name in fields_list:
                value = company[name]
                values[name] = (
                    value.id if isinstance(value, models.BaseModel) else value
                )
        return values

    def execute(self):
        """Write the settings on the company: a manager's decision, written as a system
        step (managers may not write companies otherwise); the company's own checks apply."""
        self.ensure_one()
        if not self.env.user.has_group(MANAGER):
            raise AccessError(
                self.env._("Only fee collection managers change these settings.")
            )
        self.company_id.sudo().write(
            {
                name: self[name].id
                if self._fields[name].type == "many2one"
                else self[name]
                for name in COMPANY_FIELDS
            }
        )
        return {"type": "ir.actions.client", "tag": "soft_reload"}
