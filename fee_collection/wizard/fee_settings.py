from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..tools.groups import MANAGER

# The company's settings this form shows: those of ``fee.company.settings``.
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
    "fee_pay_link_validity_days",
    "fee_billing_notice",
    "fee_allow_self_approval",
    "fee_bad_debt_account_id",
    "fee_bad_debt_recovery_account_id",
    "fee_agent_journal_id",
    "fee_agent_clearing_account_id",
    "fee_agent_commission_account_id",
)


class FeeSettings(models.TransientModel):
    """Fee collection's settings, for its managers, who need not be Odoo administrators
    (Odoo's Settings are for those): the company's values, written back on save.

    Shown as Odoo's settings are (the ``base_settings`` form view): its Save and Discard
    in the control panel call ``execute`` and discard the changes, as they do for
    ``res.config.settings``, whose own ``execute`` is for administrators only."""

    _name = "fee.settings"
    _inherit = "fee.company.settings"
    _description = "Fee Collection Settings"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    # Chosen among those of the company.
    dunning_policy_id = fields.Many2one(domain="[('company_id', '=', company_id)]")
    fee_bad_debt_account_id = fields.Many2one(
        domain="[('account_type', 'in', ('expense', 'expense_other')), "
        "('company_ids', 'in', company_id)]"
    )
    fee_bad_debt_recovery_account_id = fields.Many2one(
        domain="[('account_type', 'in', ('income', 'income_other')), "
        "('company_ids', 'in', company_id)]"
    )
    # Agent outlets (代办网点): kept on the company by its agent set-up.
    fee_agent_journal_id = fields.Many2one(
        "account.journal",
        string="Agent Collections Journal",
        domain="[('type', '=', 'cash'), ('company_id', '=', company_id)]",
        help="Receipts taken by agent outlets are booked in it, on the agent clearing "
        "account.",
    )
    fee_agent_clearing_account_id = fields.Many2one(
        "account.account",
        string="Agent Clearing Account",
        domain="[('account_type', '=', 'asset_current'), "
        "('company_ids', 'in', company_id)]",
        help="Money agents hold for the company: debited by their receipts, credited "
        "by their settlements.",
    )
    fee_agent_commission_account_id = fields.Many2one(
        "account.account",
        string="Agent Commission Account",
        domain="[('account_type', 'in', ('expense', 'expense_direct_cost')), "
        "('company_ids', 'in', company_id)]",
        help="Debited by the commission bills of agents' settlements.",
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
