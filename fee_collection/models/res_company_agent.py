from odoo import fields, models

AGENT_JOURNAL_CODE = "AGT"


class ResCompany(models.Model):
    """Where money collected by agent outlets (代办网点) is booked: the agent clearing
    account holds what agents collected and have not been settled for yet, in a journal
    of its own; their commission is an expense of its own."""

    _inherit = "res.company"

    fee_agent_journal_id = fields.Many2one(
        "account.journal",
        string="Agent Collections Journal",
        domain="[('type', '=', 'cash'), ('company_id', '=', id)]",
        help="Receipts taken by agent outlets are booked in it, on the agent clearing "
        "account.",
    )
    fee_agent_clearing_account_id = fields.Many2one(
        "account.account",
        string="Agent Clearing Account",
        domain="[('account_type', '=', 'asset_current')]",
        help="Money agents hold for the company: debited by their receipts, credited "
        "by their settlements.",
    )
    fee_agent_commission_account_id = fields.Many2one(
        "account.account",
        string="Agent Commission Account",
        domain="[('account_type', 'in', ('expense', 'expense_direct_cost'))]",
        help="Debited by the commission bills of agents' settlements.",
    )

    def _fee_get_agent_setup(self):
        """The agent journal, clearing and commission accounts."""
        return self._fee_get_settings(
            (
                "fee_agent_journal_id",
                "fee_agent_clearing_account_id",
                "fee_agent_commission_account_id",
            ),
            self.env._("working with agents"),
        )

    def _fee_setup_agent_accounts(self):
        """Give companies with a chart of accounts, when they have none, an agent
        clearing account (numbered after the chart's receivables, 应收账款 in the Chinese
        chart), a commission expense account (under selling expenses, 销售费用) and the
        agent collections journal, whose receipts are booked on the clearing account."""
        for company in self.filtered("chart_template"):
            env = company._fee_get_lang_env()
            company._fee_create_accounts(
                [
                    (
                        "fee_agent_clearing_account_id",
                        ("l10n_cn_common_112200",),
                        "asset_current",
                        env._("Agent Clearing"),
                    ),
                    (
                        "fee_agent_commission_account_id",
                        ("l10n_cn_common_660100",),
                        "expense",
                        env._("Agent Commissions"),
                    ),
                ]
            )
            if (
                company.fee_agent_clearing_account_id
                and not company.fee_agent_journal_id
            ):
                company.fee_agent_journal_id = company._fee_create_agent_journal(env)

    def _fee_create_agent_journal(self, env):
        self.ensure_one()
        clearing = self.fee_agent_clearing_account_id
        Journal = env["account.journal"].sudo().with_company(self)
        code = AGENT_JOURNAL_CODE
        if Journal.with_context(active_test=False).search_count(
            [*Journal._check_company_domain(self), ("code", "=", code)]
        ):
            return Journal.browse()
        journal = Journal.create(
            {
                "name": env._("Agent Collections"),
                "code": code,
                "type": "cash",
                "default_account_id": clearing.id,
                # After the counter's payment methods: never taken for the counter's cash.
                "sequence": 90,
                "company_id": self.id,
            }
        )
        # Receipts are booked on the clearing account itself, not on an outstanding
        # receipts account waiting for a bank statement: agents hand the money over by
        # settlement.
        journal.inbound_payment_method_line_ids.payment_account_id = clearing
        return journal
