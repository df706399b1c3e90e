from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_round

from ..tools.groups import ACCOUNTANT

# The approval workflow this model inherits is registered before it.
from . import fee_approval_mixin  # noqa: F401


class FeeAgentSettlement(models.Model):
    """A settlement with an agent outlet (合作单位结算) for a period: every receipt it took
    and no settlement took yet, and every receipt voided after its settlement, less the
    outlet's commission, gives what it must remit. An accountant submits it, a manager
    approves it, which posts it: the clearing account is emptied of those receipts
    against the outlet's receivable (what it must remit) and a commission bill, netted.
    The outlet's remittance pays the receivable."""

    _name = "fee.agent.settlement"
    _description = "Agent Settlement"
    _inherit = ["fee.approval.mixin"]
    _order = "date_to desc, id desc"

    currency_id = fields.Many2one(related="company_id.currency_id")
    agent_id = fields.Many2one(
        "res.partner",
        required=True,
        index=True,
        tracking=True,
        domain="[('is_fee_agent', '=', True)]",
    )
    state = fields.Selection(
        selection_add=[("posted", "Posted"), ("paid", "Paid")],
        ondelete={"posted": "cascade", "paid": "cascade"},
    )
    date_from = fields.Date(readonly=True)
    date_to = fields.Date(string="Up To", required=True, readonly=True, tracking=True)
    line_ids = fields.One2many(
        "fee.agent.settlement.line", "settlement_id", string="Receipts", readonly=True
    )
    receipt_ids = fields.One2many(
        "fee.receipt", "settlement_id", string="Receipts Settled", readonly=True
    )
    payment_ids = fields.Many2many(
        "account.payment",
        compute="_compute_payment_ids",
        string="Payments of the Receipts",
    )
    receipt_count = fields.Integer(readonly=True)
    amount_collected = fields.Monetary(
        string="Collected",
        readonly=True,
        tracking=True,
        help="What the outlet's receipts took, less those voided after an earlier "
        "settlement.",
    )
    commission_rate = fields.Float(
        string="Commission (%)",
        digits=(5, 2),
        readonly=True,
        help="The rate applied: the outlet's, or that of its tier for the month's "
        "volume. Zero for a commission per receipt.",
    )
    commission_amount = fields.Monetary(
        string="Commission", readonly=True, tracking=True
    )
    amount_to_remit = fields.Monetary(
        string="To Remit", compute="_compute_amount_to_remit", store=True
    )
    amount_due = fields.Monetary(
        string="Still Owed",
        compute="_compute_amount_due",
        help="What the outlet has still to remit of this settlement.",
    )
    move_id = fields.Many2one(
        "account.move", string="Settlement Entry", readonly=True, copy=False
    )
    commission_bill_id = fields.Many2one("account.move", readonly=True, copy=False)
    remittance_ids = fields.Many2many(
        "account.payment",
        "fee_agent_settlement_remittance_rel",
        "settlement_id",
        "payment_id",
        string="Remittances",
        readonly=True,
        copy=False,
    )
    paid_date = fields.Date(string="Remitted On", readonly=True, copy=False)
    days_to_remit = fields.Integer(
        readonly=True,
        help="Days from the end of the period to the remittance that paid it.",
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends("receipt_ids.payment_id")
    def _compute_payment_ids(self):
        for settlement in self:
            settlement.payment_ids = settlement.receipt_ids.payment_id

    @api.depends("amount_collected", "commission_amount")
    def _compute_amount_to_remit(self):
        for settlement in self:
            settlement.amount_to_remit = (
                settlement.amount_collected - settlement.commission_amount
            )

    @api.depends("state", "move_id.line_ids.amount_residual")
    def _compute_amount_due(self):
        for settlement in self:
            lines = settlement.sudo()._get_receivable_lines()
            settlement.amount_due = (
                sum(lines.mapped("amount_residual"))
                if lines
                else (settlement.amount_to_remit if settlement.state != "paid" else 0.0)
            )

    def init(self):
        result = super().init()
        # One settlement of an outlet for a period end, whoever runs it and how often.
        self.env.cr.execute(
            SQL(
                """
                CREATE UNIQUE INDEX IF NOT EXISTS fee_agent_settlement_period_uniq
                    ON fee_agent_settlement (agent_id, date_to)
                 WHERE state != 'rejected'
                """
            )
        )
        return result

    # ------------------------------------------------------------------
    # Making settlements
    # ------------------------------------------------------------------

    @api.model
    def _fee_generate(self, agents, date_to):
        """The settlements of ``agents`` for the period ending ``date_to``: one each
        that has something to settle and no settlement for that end yet. Running it
        again makes nothing more."""
        self.check_access("create")
        # The outlets are the user's to settle (their companies' record rules) before
        # the rest runs as the system.
        agents.check_access("read")
        Receipt = self.env["fee.receipt"].sudo()
        # Two runs settling the same outlets at once (two accountants, the job and the
        # wizard): the later waits, is run again by Odoo once the first has committed,
        # and finds the period settled.
        Receipt._lock_open_items(agents.sudo())
        agents = agents.sudo().filtered(
            lambda agent: agent.is_fee_agent and agent.agent_state != "closed"
        )
        if not agents:
            return self.browse()
        done = self.sudo().search(
            [
                ("agent_id", "in", agents.ids),
                ("date_to", "=", date_to),
                ("state", "!=", "rejected"),
            ]
        )
        agents -= done.agent_id
        domain = [
            *Receipt._fee_agent_unsettled_domain(agents, date_to),
            ("company_id", "in", self.env.companies.ids),
        ]
        groups = Receipt._read_group(
            domain, ["agent_id", "company_id"], ["date:min"], order="agent_id"
        )
        if not groups:
            return self.browse()
        sequence = self.env["ir.sequence"].sudo()
        settlements = self.sudo().create(
            [
                {
                    "name": sequence.with_company(company).next_by_code(
                        "fee.agent.settlement", sequence_date=date_to
                    )
                    or "/",
                    "company_id": company.id,
                    "agent_id": agent.id,
                    "date_to": date_to,
                    "date_from": date_from,
                }
                for agent, company, date_from in groups
            ]
        )
        settlements._fee_add_lines(Receipt._search(domain))
        settlements._fee_link_receipts()
        settlements._fee_update_amounts()
        return settlements.with_env(self.env)

    def _fee_add_lines(self, receipts_query):
        """A line per receipt of ``receipts_query`` in its outlet's settlement, in one
        statement: a collection, or the adjustment of a receipt voided after its
        settlement (its amount negative)."""
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO fee_agent_settlement_line (
                    settlement_id, company_id, receipt_id, line_type, amount, date,
                    create_uid, create_date, write_uid, write_date)
                SELECT settlement.id, settlement.company_id, receipt.id,
                       CASE WHEN receipt.state = 'voided'
                            THEN 'adjustment' ELSE 'collection' END,
                       CASE WHEN receipt.state = 'voided'
                            THEN -receipt.amount ELSE receipt.amount END,
                       receipt.date,
                       %(uid)s, NOW() AT TIME ZONE 'UTC',
                       %(uid)s, NOW() AT TIME ZONE 'UTC'
                  FROM fee_receipt receipt
                  JOIN fee_agent_settlement settlement
                    ON settlement.agent_id = receipt.agent_id
                   AND settlement.id = ANY(%(settlements)s)
                 WHERE receipt.id IN %(receipts)s
                 ORDER BY receipt.date, receipt.id
                """,
                uid=self.env.uid,
                settlements=self.ids,
                receipts=receipts_query.subselect(),
            )
        )
        self.invalidate_recordset(["line_ids"])

    def _fee_link_receipts(self):
        """Each receipt is settled once, and taken back once: a receipt another
        settlement took meanwhile refuses this one."""
        counts = dict(
            self.env["fee.agent.settlement.line"]._read_group(
                [("settlement_id", "in", self.ids)], ["line_type"], ["__count"]
            )
        )
        for line_type, column in (
            ("collection", "settlement_id"),
            ("adjustment", "adjustment_settlement_id"),
        ):
            if not counts.get(line_type):
                continue
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE fee_receipt receipt
                       SET %(column)s = line.settlement_id
                      FROM fee_agent_settlement_line line
                     WHERE line.settlement_id = ANY(%(settlements)s)
                       AND line.line_type = %(line_type)s
                       AND receipt.id = line.receipt_id
                       AND receipt.%(column)s IS NULL
                    """,
                    column=SQL.identifier(column),
                    settlements=self.ids,
                    line_type=line_type,
                )
            )
            if self.env.cr.rowcount != counts[line_type]:
                raise UserError(
                    self.env._(
                        "Some of these receipts were settled meanwhile: run the "
                        "settlement again."
                    )
                )
        self.env["fee.receipt"].invalidate_model(
            ["settlement_id", "adjustment_settlement_id"]
        )

    def _fee_update_amounts(self):
        """Collected, the commission on it by the outlet's terms, what it remits."""
        sums = {
            (settlement, line_type): (amount, count)
            for settlement, line_type, amount, count in self.env[
                "fee.agent.settlement.line"
            ]._read_group(
                [("settlement_id", "in", self.ids)],
                ["settlement_id", "line_type"],
                ["amount:sum", "__count"],
            )
        }
        volumes = self._fee_month_volumes()
        for settlement in self:
            agent = settlement.agent_id.sudo()
            currency = settlement.currency_id
            collected_amount, collected = sums.get((settlement, "collection"), (0, 0))
            adjusted_amount, adjusted = sums.get((settlement, "adjustment"), (0, 0))
            collected_amount += adjusted_amount
            count = collected - adjusted
            rate = 0.0
            if agent.agent_commission_type == "fixed":
                commission = agent.agent_commission_fixed * count
            else:
                rate = (
                    settlement._fee_tier_rate(volumes[settlement])
                    if agent.agent_commission_type == "tiered"
                    else agent.agent_commission_rate
                )
                commission = collected_amount * rate / 100
            settlement.sudo().write(
                {
                    "receipt_count": count,
                    "amount_collected": currency.round(collected_amount),
                    "commission_rate": rate,
                    "commission_amount": float_round(
                        commission, precision_rounding=currency.rounding
                    ),
                }
            )

    def _fee_month_volumes(self):
        """{settlement: what its outlet collected in the month of the period's end, to
        that day}, for the settlements of outlets paid by tiers. Voided receipts do not
        count."""
        tiered = self.filtered(
            lambda settlement: (
                settlement.agent_id.sudo().agent_commission_type == "tiered"
            )
        )
        volumes = {}
        Receipt = self.env["fee.receipt"].sudo()
        for date_to, settlements in tiered.grouped("date_to").items():
            totals = dict(
                Receipt._read_group(
                    [
                        ("agent_id", "in", settlements.agent_id.ids),
                        ("channel", "=", "agent"),
                        ("state", "=", "posted"),
                        ("date", ">=", date_to.replace(day=1)),
                        ("date", "<=", date_to),
                    ],
                    ["agent_id"],
                    ["amount:sum"],
                )
            )
            for settlement in settlements:
                volumes[settlement] = totals.get(settlement.agent_id, 0.0)
        return volumes

    def _fee_tier_rate(self, volume):
        """The rate of the highest tier ``volume`` reached."""
        self.ensure_one()
        tiers = self.agent_id.sudo().agent_commission_tier_ids.filtered(
            lambda tier: self.currency_id.compare_amounts(tier.volume_from, volume) <= 0
        )
        return tiers.sorted("volume_from")[-1:].rate

    def _fee_drop_voided(self):
        """Leave out of these settlements (not posted yet) their receipts voided since."""
        lines = self.line_ids.filtered(
            lambda line: (
                line.line_type == "collection" and line.receipt_id.state == "voided"
            )
        )
        if not lines:
            return
        lines.receipt_id.sudo().write({"settlement_id": False})
        for settlement in lines.settlement_id:
            names = ", ".join(
                lines.filtered(
                    lambda line, s=settlement: line.settlement_id == s
                ).receipt_id.mapped("name")
            )
            settlement.message_post(
                body=settlement.company_id._fee_get_lang_env()._(
                    "Voided before the settlement was posted, left out: %(receipts)s.",
                    receipts=names,
                )
            )
        lines.sudo().unlink()
        self._fee_update_amounts()

    @api.model
    def _cron_fee_agent_settlements(self):
        """Daily: settle the outlets whose period ended (the previous month, or the
        previous week ending on Sunday), once."""
        today = fields.Date.context_today(self)
        month_end = today.replace(day=1) - relativedelta(days=1)
        week_end = today - relativedelta(days=today.isoweekday())
        agents = (
            self.env["res.partner"]
            .sudo()
            .search([("is_fee_agent", "=", True), ("agent_state", "!=", "closed")])
        )
        for company, company_agents in agents.grouped("company_id").items():
            Settlement = self.with_company(company or self.env.company).sudo()
            for frequency, date_to in (("monthly", month_end), ("weekly", week_end)):
                Settlement._fee_generate(
                    company_agents.filtered(
                        lambda agent, f=frequency: agent.agent_settlement_frequency == f
                    ),
                    date_to,
                )

    # ------------------------------------------------------------------
    # Approval steps
    # ------------------------------------------------------------------

    def _get_workflow_fields(self):
        return {
            **super()._get_workflow_fields(),
            **dict.fromkeys(
                (
                    "name",
                    "agent_id",
                    "date_from",
                    "date_to",
                    "receipt_count",
                    "amount_collected",
                    "commission_rate",
                    "commission_amount",
                    "move_id",
                    "commission_bill_id",
                    "remittance_ids",
                    "paid_date",
                    "days_to_remit",
                )
            ),
        }

    def _check_submission(self):
        if not self.env.user.has_group(ACCOUNTANT):
            raise UserError(
                self.env._("Only fee collection accountants submit settlements.")
            )
        for settlement in self:
            if not settlement.line_ids:
                raise UserError(
                    self.env._(
                        "Settlement %(name)s has no receipts left to settle.",
                        name=settlement.name,
                    )
                )

    def _approve(self):
        """Post: the clearing account emptied of these receipts against the outlet's
        receivable (what it remits) and its payable, which the commission bill credits
        and which is reconciled with it at once."""
        for settlement in self:
            if not settlement.line_ids:
                raise UserError(
                    self.env._(
                        "Every receipt of settlement %(name)s was voided since it was "
                        "submitted: reject it.",
                        name=settlement.name,
                    )
                )
        self.sudo()._fee_post()
        self._set_state("posted", approved_by_id=self.env.uid)
        # Voids that cancel the collections out leave nothing to remit.
        today = fields.Date.context_today(self)
        self.filtered(
            lambda settlement: settlement.currency_id.is_zero(
                settlement.amount_to_remit
            )
        )._set_state("paid", paid_date=today)
        for company, settlements in self.grouped("company_id").items():
            settlements.agent_id.with_company(company)._fee_apply_credit_control()

    def action_reject(self, reason=None):
        result = super().action_reject(reason)
        # Their receipts go to the next settlement; what was rejected stays in the
        # totals and the chatter.
        self.sudo().receipt_ids.write({"settlement_id": False})
        self.env["fee.receipt"].sudo().search(
            [("adjustment_settlement_id", "in", self.ids)]
        ).write({"adjustment_settlement_id": False})
        self.sudo().line_ids.unlink()
        return result

    # ------------------------------------------------------------------
    # The approval's words
    # ------------------------------------------------------------------

    def _get_request_label(self):
        return self.env._("settlement")
