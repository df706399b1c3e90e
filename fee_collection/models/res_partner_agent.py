import operator

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_amount

from ..tools import check_protected_fields
from ..tools.agent_clearing import AGENT_HELD_AMOUNTS
from ..tools.groups import MANAGER

# An outlet's terms are a manager's decision; its status changes by the managers'
# actions and credit control only.
AGENT_PROTECTED_FIELDS = {
    "is_fee_agent": MANAGER,
    "agent_commission_type": MANAGER,
    "agent_commission_rate": MANAGER,
    "agent_commission_fixed": MANAGER,
    "agent_settlement_frequency": MANAGER,
    "agent_credit_limit": MANAGER,
    "agent_state": None,
    "agent_blocked_by_credit": None,
}

COMPARE = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class ResPartner(models.Model):
    """Agent outlets and partner units (代办网点、合作单位) that collect subscribers' fees
    on the company's behalf: their commission, how often they are settled with, and the
    credit control (信控) that stops an outlet holding too much of the company's cash.
    Their counter staff are portal users of the outlet."""

    _inherit = "res.partner"

    agent_commission_type = fields.Selection(
        [
            ("percent", "Percentage of Collected"),
            ("fixed", "Fixed per Receipt"),
            ("tiered", "Tiers by Monthly Volume"),
        ],
        string="Commission",
        default="percent",
        tracking=True,
    )
    agent_commission_rate = fields.Float(
        string="Commission (%)", digits=(5, 2), tracking=True
    )
    agent_commission_fixed = fields.Monetary(
        string="Commission per Receipt",
        currency_field="fee_currency_id",
        tracking=True,
    )
    agent_commission_tier_ids = fields.One2many(
        "fee.agent.commission.tier", "agent_id", string="Commission Tiers"
    )
    agent_settlement_frequency = fields.Selection(
        [("weekly", "Weekly"), ("monthly", "Monthly")],
        string="Settled",
        default="monthly",
        tracking=True,
    )
    agent_credit_limit = fields.Monetary(
        currency_field="fee_currency_id",
        tracking=True,
        help="The most the outlet may hold of the company's money, collected and not "
        "remitted (信控). Zero: no limit.",
    )
    agent_state = fields.Selection(
        [("active", "Active"), ("blocked", "Blocked"), ("closed", "Closed")],
        string="Agent Status",
        default="active",
        required=True,
        tracking=True,
        copy=False,
    )
    agent_blocked = fields.Boolean(
        compute="_compute_agent_blocked",
        store=True,
        help="The outlet takes no collections until it remits (关闭工号).",
    )
    agent_blocked_by_credit = fields.Boolean(
        readonly=True,
        copy=False,
        help="Blocked by credit control: unblocked once it remits enough.",
    )
    agent_unremitted_amount = fields.Monetary(
        string="Unremitted",
        compute="_compute_agent_unremitted_amount",
        search="_search_agent_unremitted_amount",
        currency_field="fee_currency_id",
        help="What the outlet holds of the company's money, read from the books: its "
        "receipts not settled yet on the agent clearing account, and what its "
        "settlements ask it to remit and it has not.",
    )
    agent_over_limit = fields.Boolean(
        compute="_compute_agent_unremitted_amount",
        search="_search_agent_over_limit",
    )
    agent_user_ids = fields.One2many(
        "res.users",
        compute="_compute_agent_user_ids",
        string="Counter Staff",
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends("agent_state")
    def _compute_agent_blocked(self):
        for partner in self:
            partner.agent_blocked = partner.agent_state == "blocked"

    def _compute_agent_unremitted_amount(self):
        agents = self.filtered("is_fee_agent")
        amounts = agents._fee_get_unremitted(self.env.company)
        for partner in self:
            partner.agent_unremitted_amount = amounts.get(partner.id, 0.0)
            partner.agent_over_limit = partner._fee_is_over_limit(
                partner.agent_unremitted_amount
            )

    def _search_agent_unremitted_amount(self, operator, value):
        if operator not in COMPARE:
            raise UserError(self.env._("Operation not supported"))
        agents = self._fee_all_agents()
        amounts = agents._fee_get_unremitted(self.env.company)
        compare = COMPARE[operator]
        ids = [
            agent.id
            for agent in agents
            if compare(amounts.get(agent.id, 0.0), value or 0.0)
        ]
        return [("id", "in", ids)]

    def _search_agent_over_limit(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Operation not supported"))
        agents = self._fee_all_agents()
        amounts = agents._fee_get_unremitted(self.env.company)
        over = agents.filtered(
            lambda agent: agent._fee_is_over_limit(amounts.get(agent.id, 0.0))
        )
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", over.ids)]

    def _compute_agent_user_ids(self):
        users = (
            self.env["res.users"]
            .sudo()
            .search([("partner_id.commercial_partner_id", "in", self.ids)])
        )
        for partner in self:
            partner.agent_user_ids = users.filtered(
                lambda user, partner=partner: (
                    user.partner_id.commercial_partner_id == partner
                )
            )

    # ------------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------------

    @api.constrains(
        "agent_commission_rate", "agent_commission_fixed", "agent_credit_limit"
    )
    def _check_agent_terms(self):
        for agent in self:
            if not 0 <= agent.agent_commission_rate <= 100:
                raise ValidationError(
                    self.env._(
                        "The commission of %(agent)s must be between 0%% and 100%%.",
                        agent=agent.display_name,
                    )
                )
            if agent.agent_commission_fixed < 0 or agent.agent_credit_limit < 0:
                raise ValidationError(
                    self.env._(
                        "The commission per receipt and the credit limit of "
                        "%(agent)s cannot be negative.",
                        agent=agent.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_protected_fields(self.browse(), vals, AGENT_PROTECTED_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_protected_fields(self, vals, AGENT_PROTECTED_FIELDS)
        result = super().write(vals)
        if "agent_credit_limit" in vals:
            # A lower limit blocks an outlet that now holds too much, at once.
            self.filtered("is_fee_agent")._fee_apply_credit_control()
        return result

    def _fee_check_agent_collection(self, amount, journal, user, company):
        """Refuse, with the reason, a collection this outlet may not take: it is not an
        agent of the company, is blocked or closed, the money goes to another journal
        than the agents', ``user`` is counter staff of another outlet, or it would hold
        more than its credit limit. Serialises the outlet's collections, so that two of
        its staff cannot pass the limit together."""
        self.ensure_one()
        agent = self.sudo()
        if not agent.is_fee_agent or agent.company_id not in (
            company,
            company.browse(),
        ):
            raise UserError(
                self.env._(
                    "%(agent)s is not an agent outlet of %(company)s.",
                    agent=agent.display_name,
                    company=company.name,
                )
            )
        if user.share and user.partner_id.commercial_partner_id != agent:
            raise UserError(
                self.env._(
                    "%(user)s is not counter staff of %(agent)s.",
                    user=user.name,
                    agent=agent.display_name,
                )
            )
        agent_journal = company.sudo()._fee_get_agent_setup()[0]
        if journal != agent_journal:
            raise UserError(
                self.env._(
                    "Collections of agent outlets are booked in %(journal)s.",
                    journal=agent_journal.display_name,
                )
            )
        self.env["fee.receipt"]._lock_open_items(agent)
        agent.invalidate_recordset(["agent_state"])
        agent._fee_check_agent_active()
        if not agent.agent_credit_limit:
            return
        held = agent._fee_get_unremitted(company).get(agent.id, 0.0)
        currency = company.currency_id
        if currency.compare_amounts(held + amount, agent.agent_credit_limit) > 0:
            raise UserError(
                self.env._(
                    "%(agent)s holds %(held)s not remitted; with %(amount)s more it "
                    "would pass its credit limit of %(limit)s. Remit to the company "
                    "before collecting again.",
                    agent=agent.display_name,
                    held=format_amount(self.env, held, currency),
                    amount=format_amount(self.env, amount, currency),
                    limit=format_amount(self.env, agent.agent_credit_limit, currency),
                )
            )

    def _fee_check_agent_active(self):
        for agent in self:
            if agent.agent_state == "blocked":
                raise UserError(
                    self.env._(
                        "%(agent)s is blocked from collecting (关闭工号): it holds "
                        "more than its credit limit, or a manager blocked it. It "
                        "collects again once it has remitted.",
                        agent=agent.display_name,
                    )
                )
            if agent.agent_state == "closed":
                raise UserError(
                    self.env._(
                        "%(agent)s is closed: it no longer collects.",
                        agent=agent.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_agent_block(self):
        self._fee_check_manager()
        self.filtered(lambda agent: agent.agent_state == "active").sudo().write(
            {"agent_state": "blocked", "agent_blocked_by_credit": False}
        )
        return True

    def action_agent_unblock(self):
        self._fee_check_manager()
        self.filtered(lambda agent: agent.agent_state == "blocked").sudo().write(
            {"agent_state": "active", "agent_blocked_by_credit": False}
        )
        return True

    def action_agent_close(self):
        """Close outlets for good: each needs its final settlement, covering every
        receipt it took and every void since, posted; its counter staff lose their
        access."""
        self._fee_check_manager()
        Receipt = self.env["fee.receipt"].sudo()
        for agent in self:
            if Receipt.search_count(
                Receipt._fee_agent_unsettled_domain(agent), limit=1
            ):
                raise UserError(
                    self.env._(
                        "%(agent)s has receipts not settled yet: settle them before "
                        "closing it.",
                        agent=agent.display_name,
                    )
                )
            pending = (
                self.env["fee.agent.settlement"]
                .sudo()
                .search_count(
                    [
                        ("agent_id", "=", agent.id),
                        ("state", "in", ("draft", "submitted")),
                    ],
                    limit=1,
                )
            )
            if pending:
                raise UserError(
                    self.env._(
                        "%(agent)s has a settlement waiting to be posted: post or "
                        "reject it before closing the outlet.",
                        agent=agent.display_name,
                    )
                )
        self.sudo().write({"agent_state": "closed", "agent_blocked_by_credit": False})
        self.sudo().agent_user_ids.write({"active": False})
        return True

    def _fee_check_manager(self):
        if not self.env.user.has_group(MANAGER):
            raise UserError(
                self.env._(
                    "Only fee collection managers block, unblock or close agents."
                )
            )

    # ------------------------------------------------------------------
    # Credit control (信控)
    # ------------------------------------------------------------------

    @api.model
    def _cron_fee_agent_credit_control(self):
        """Daily: block the outlets holding more than their limit, unblock those that
        credit control blocked and have remitted enough since."""
        agents = self.sudo().search(
            [("is_fee_agent", "=", True), ("agent_state", "in", ("active", "blocked"))]
        )
        for company, company_agents in agents.grouped("company_id").items():
            company_agents.with_company(
                company or self.env.company
            )._fee_apply_credit_control()

    def _fee_apply_credit_control(self):
        company = self.env.company
        amounts = self._fee_get_unremitted(company)
        over = self.filtered(
            lambda agent: (
                agent.agent_state == "active"
                and agent._fee_is_over_limit(amounts.get(agent.id, 0.0))
            )
        )
        back = self.filtered(
            lambda agent: (
                agent.agent_state == "blocked"
                and agent.agent_blocked_by_credit
                and not agent._fee_is_over_limit(amounts.get(agent.id, 0.0))
            )
        )
        over.sudo().write({"agent_state": "blocked", "agent_blocked_by_credit": True})
        back.sudo().write({"agent_state": "active", "agent_blocked_by_credit": False})

    def _fee_is_over_limit(self, held):
        self.ensure_one()
        limit = self.sudo().agent_credit_limit
        return bool(limit and self.fee_currency_id.compare_amounts(held, limit) > 0)

    def _fee_all_agents(self):
        return self.sudo().search([("is_fee_agent", "=", True)])

    def _fee_get_unremitted(self, company):
        """{agent id: money the outlet holds for ``company``}, read from the books
        (``AGENT_HELD_AMOUNTS``)."""
        if not self:
            return {}
        self.env["account.move.line"].flush_model()
        self.env["fee.receipt"].flush_model()
        self.env["fee.agent.settlement"].flush_model(["state"])
        self.env["res.company"].flush_model(["fee_agent_clearing_account_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT held.agent_id, SUM(held.amount)
                  FROM (%(held)s) held
                 WHERE held.agent_id = ANY(%(agents)s)
                   AND held.company_id = %(company)s
                 GROUP BY held.agent_id
                """,
                held=AGENT_HELD_AMOUNTS,
                agents=self.ids,
                company=company.id,
            )
        )
        return dict(self.env.cr.fetchall())
