import math
from contextlib import contextmanager, nullcontext

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, float_is_zero, format_amount

from ..tools import check_protected_fields, is_valid_id_number, normalize_id_number

SEARCH_OPERATORS = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}
MANAGER = "fee_collection.group_fee_manager"
DEFERRED_KEY = "fee_collection.dunning_deferred"
# The level is the dunning run's and the payments'; the policy and the exemption soften
# dunning, which is a manager's decision.
PROTECTED_FIELDS = {
    "dunning_level_id": None,
    "dunning_policy_id": MANAGER,
    "dunning_exempt": MANAGER,
    "dunning_exempt_reason": MANAGER,
    "dunning_exempt_until": MANAGER,
}
ARREARS_TOTAL_FIELDS = {"area_id", "arrears_reason_id", "is_subscriber"}
# Personal data and arrears of subscribers: for those who work on them only.
FEE_USERS = "fee_collection.group_fee_collector"
# Longest paper receipt number: longer is a typing or file error.
PAPER_NUMBER_SIZE = 64


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Subscriber file (用户档案)
    is_subscriber = fields.Boolean(string="Subscriber", index=True)
    id_number = fields.Char(
        string="ID Number",
        index="btree_not_null",
        tracking=True,
        copy=False,
        help="Resident identity card number (GB 11643, 18 characters, the last may be X).",
        groups=FEE_USERS,
    )
    id_verified = fields.Boolean(
        string="Real-name Verified",
        tracking=True,
        copy=False,
        help="The subscriber's identity was checked against the ID card (实名制).",
        groups=FEE_USERS,
    )
    mobile2 = fields.Char(string="Second Contact Phone", groups=FEE_USERS)
    area_id = fields.Many2one("fee.area", index=True, tracking=True)
    acquirer_id = fields.Many2one(
        "res.users",
        string="Acquired By",
        tracking=True,
        help="Who brought in this subscriber (发展人): first maintainer and collector.",
    )
    agent_id = fields.Many2one(
        "res.partner",
        domain="[('is_fee_agent', '=', True)]",
        tracking=True,
        help="Outlet (代办网点) through which the subscriber was acquired.",
    )
    collector_id = fields.Many2one("res.users", index=True, tracking=True)
    file_complete = fields.Boolean(
        string="Complete File",
        compute="_compute_file_complete",
        store=True,
        help="ID number, a phone, the service address and the area are all filled in.",
    )
    subscription_ids = fields.One2many(
        "fee.subscription", "partner_id", string="Services"
    )
    subscription_count = fields.Integer(compute="_compute_subscription_count")

    # Agents (代办网点)
    is_fee_agent = fields.Boolean(string="Fee Agent", index=True)

    # Arrears and dunning (欠费 / 催缴)
    dunning_policy_id = fields.Many2one(
        "fee.dunning.policy",
        tracking=True,
        help="Empty: the company's default policy.",
    )
    dunning_level_id = fields.Many2one(
        "fee.dunning.level",
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups=FEE_USERS,
    )
    dunning_exempt = fields.Boolean(
        string="Exempt from Dunning",
        tracking=True,
        copy=False,
        help="Red list / VIP / government (红名单、免催免停): never dunned nor suspended.",
        groups=FEE_USERS,
    )
    dunning_exempt_reason = fields.Char(
        string="Exemption Reason",
        tracking=True,
        copy=False,
        groups=FEE_USERS,
    )
    dunning_exempt_until = fields.Date(
        string="Exempt Until", tracking=True, copy=False, groups=FEE_USERS
    )
    arrears_reason_id = fields.Many2one(
        "fee.arrears.reason", tracking=True, groups=FEE_USERS
    )
    dunning_line_ids = fields.One2many(
        "fee.dunning.line",
        "partner_id",
        string="Dunning History",
        domain=[("state", "in", ("done", "skipped"))],
        groups=FEE_USERS,
    )
    fee_overdue_amount = fields.Monetary(
        string="Overdue",
        compute="_compute_fee_overdue",
        search="_search_fee_overdue_amount",
        currency_field="fee_currency_id",
        help="Overdue receivable today, after unapplied payments and credit notes, what a "
        "promise or a dispute holds back included.",
        groups=FEE_USERS,
    )
    fee_overdue_days = fields.Integer(
        string="Days Overdue",
        compute="_compute_fee_overdue",
        search="_search_fee_overdue_days",
        help="Age of the oldest unpaid overdue amount.",
        groups=FEE_USERS,
    )
    fee_paused_amount = fields.Monetary(
        string="Of Which Held Back",
        compute="_compute_fee_overdue",
        currency_field="fee_currency_id",
        help="Overdue, but not dunned while a promise to pay runs or a dispute is open.",
        groups=FEE_USERS,
    )
    fee_promise_date = fields.Date(
        string="Promised By",
        compute="_compute_fee_overdue",
        help="The latest date the subscriber promised to pay by (预约缴费).",
        groups=FEE_USERS,
    )
    fee_currency_id = fields.Many2one(
        "res.currency", compute="_compute_fee_currency_id"
    )
    fee_late_payment_count = fields.Integer(
        string="Late Payments (12 Months)",
        compute="_compute_fee_late_payment_count",
        help="Invoices due in the last twelve months paid after their due date, or not "
        "paid yet.",
        groups=FEE_USERS,
    )
    fee_chronic_late = fields.Boolean(
        string="Chronic Late Payer",
        compute="_compute_fee_late_payment_count",
        search="_search_fee_chronic_late",
        help="At least as many late payments in twelve months as the company's setting "
        "says (经常缴费不及时用户).",
        groups=FEE_USERS,
    )

    @api.depends("id_number", "is_company", "phone", "mobile", "street", "area_id")
    def _compute_file_complete(self):
        for partner in self:
            # Organisations have a registration number instead of an ID card.
            partner.file_complete = bool(
                (partner.id_number or partner.is_company)
                and (partner.phone or partner.mobile)
                and partner.street
                and partner.area_id
            )

    def _compute_subscription_count(self):
        counts = dict(
            self.env["fee.subscription"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.subscription_count = counts.get(partner, 0)

    def _compute_fee_currency_id(self):
        self.fee_currency_id = self.env.company.currency_id

    def _compute_fee_late_payment_count(self):
        counts = self._get_late_payment_counts(self.ids)
        threshold = self.env.company.fee_chronic_late_count
        for partner in self:
            partner.fee_late_payment_count = counts.get(partner.id, 0)
            partner.fee_chronic_late = partner.fee_late_payment_count >= threshold

    def _search_fee_chronic_late(self, operator, value):
        # Odoo checks the groups of the stored fields a domain names, not of these.
        self.check_field_access_rights("read", ["fee_chronic_late"])
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(self.env._("Unsupported search on late payers."))
        threshold = self.env.company.fee_chronic_late_count
        chronic = [
            partner_id
            for partner_id, count in self._get_late_payment_counts().items()
            if count >= threshold
        ]
        return [("id", "in" if (operator == "=") == value else "not in", chronic)]

    @api.model
    def _get_late_payment_counts(self, partner_ids=None):
        """{partner id: invoices of the company due in the twelve months before today
        and paid after their due date (their last reconciliation), or not paid yet}."""
        today = fields.Date.context_today(self)
        self.env["account.move"].flush_model(
            ["commercial_partner_id", "payment_state", "invoice_date_due"]
        )
        self.env["account.partial.reconcile"].flush_model()
        partner_filter = (
            SQL("AND move.commercial_partner_id = ANY(%s)", list(partner_ids))
            if partner_ids is not None
            else SQL()
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT move.commercial_partner_id, COUNT(*)
                  FROM account_move move
                 WHERE move.move_type = 'out_invoice'
                   AND move.state = 'posted'
                   AND move.company_id = %(company)s
                   AND move.invoice_date_due >= %(since)s
                   AND move.invoice_date_due < %(today)s
                   %(partner_filter)s
                   AND (move.payment_state IN ('not_paid', 'partial')
                        OR EXISTS (
                            SELECT 1
                              FROM account_move_line line
                              JOIN account_partial_reconcile partial
                                   ON partial.debit_move_id = line.id
                             WHERE line.move_id = move.id
                               AND partial.max_date > move.invoice_date_due))
                 GROUP BY move.commercial_partner_id
                """,
                company=self.env.company.id,
                since=today - relativedelta(years=1),
                today=today,
                partner_filter=partner_filter,
            )
        )
        return dict(self.env.cr.fetchall())

    def _compute_fee_overdue(self):
        """What is overdue, all of it: a promise or a dispute pauses dunning, it does not
        hide the debt (what they hold back is shown beside it)."""
        today = fields.Date.context_today(self)
        data = self._get_overdue_data(today, self.env.company, self.ids)
        promised = dict(
            self.env["account.move"]
            .sudo()
            ._read_group(
                [
                    ("commercial_partner_id", "in", self.ids),
                    ("promise_date", ">=", today),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("not_paid", "partial")),
                ],
                ["commercial_partner_id"],
                ["promise_date:max"],
            )
        )
        for partner in self:
            overdue = data.get(partner.id)
            amount, days = self._owed_figures(overdue, today)
            partner.fee_overdue_amount = amount
            partner.fee_overdue_days = days
            partner.fee_paused_amount = overdue["paused_amount"] if overdue else 0.0
            partner.fee_promise_date = promised.get(partner, False)

    @api.model
    def _owed_figures(self, overdue, today):
        """(amount, days) overdue of ``_get_overdue_data``'s figures of a partner, what
        a promise or a dispute holds back included."""
        if not overdue:
            return 0.0, 0
        days = (today - overdue["oldest_due"]).days if overdue["amount"] else 0
        if overdue["paused_due"]:
            days = max(days, (today - overdue["paused_due"]).days)
        return overdue["amount"] + overdue["paused_amount"], days

    def _search_fee_overdue_amount(self, operator, value):
        self.check_field_access_rights("read", ["fee_overdue_amount"])
        return self._search_overdue("amount", operator, value)

    def _search_fee_overdue_days(self, operator, value):
        self.check_field_access_rights("read", ["fee_overdue_days"])
        return self._search_overdue("days", operator, value)

    def _search_overdue(self, key, operator, value):
        """Partners whose overdue amount or days compare to ``value``; a partner with nothing
        overdue has 0 for both."""
        compare = SEARCH_OPERATORS.get(operator)
        if compare is None or not isinstance(value, (int, float)):
            raise ValidationError(self.env._("Unsupported search on overdue figures."))
        today = fields.Date.context_today(self)
        figures = {
            partner_id: self._owed_figures(overdue, today)[0 if key == "amount" else 1]
            for partner_id, overdue in self._get_overdue_data(
                today, self.env.company
            ).items()
        }
        matching = [
            partner_id
            for partner_id, figure in figures.items()
            if compare(figure, value)
        ]
        if compare(0, value):
            return ["|", ("id", "in", matching), ("id", "not in", list(figures))]
        return [("id", "in", matching)]

    @api.model
    def _get_overdue_data(self, date, company, partner_ids=None):
        """Overdue receivables per partner on ``date``, in one query.

        Unapplied credits (payments, credit notes) are netted oldest debt first, so the oldest
        due date is that of the oldest amount still unpaid. Invoices in dispute or with a promise
        to pay not yet expired are left out and reported as ``paused``.
        Returns {partner_id: {amount, oldest_due, move_ids, paused: {"dispute", "promise"},
        paused_amount, paused_due}}.
        """
        self.env["account.move.line"].flush_model()
        self.env["account.move"].flush_model(["dispute_state", "promise_date"])
        partner_filter = (
            SQL("AND aml.partner_id = ANY(%s)", list(partner_ids))
            if partner_ids is not None
            else SQL()
        )
        self.env.cr.execute(
            SQL(
                """
            WITH open_lines AS (
                SELECT aml.id, aml.partner_id, aml.move_id, aml.date_maturity,
                       aml.amount_residual,
                       COALESCE(move.dispute_state = 'disputed', FALSE) AS disputed,
                       COALESCE(move.promise_date >= %(date)s, FALSE) AS promised
                  FROM account_move_line aml
                  JOIN account_account account ON account.id = aml.account_id
                  JOIN account_move move ON move.id = aml.move_id
                 WHERE aml.company_id = %(company)s
                   AND account.account_type = 'asset_receivable'
                   AND aml.parent_state = 'posted'
                   AND NOT COALESCE(aml.reconciled, FALSE)
                   AND aml.amount_residual != 0
                   AND aml.partner_id IS NOT NULL
                   %(partner_filter)s
            ), credits AS (
                SELECT partner_id, -SUM(amount_residual) AS credit
                  FROM open_lines WHERE amount_residual < 0 GROUP BY partner_id
            ), overdue AS (
                SELECT l.*, COALESCE(c.credit, 0) AS credit,
                       SUM(l.amount_residual) OVER (
                           PARTITION BY l.partner_id ORDER BY l.date_maturity, l.id) AS running
                  FROM open_lines l
                  LEFT JOIN credits c ON c.partner_id = l.partner_id
                 WHERE l.amount_residual > 0 AND l.date_maturity < %(date)s
                   AND NOT l.disputed AND NOT l.promised
            ), paused AS (
                SELECT partner_id, BOOL_OR(disputed) AS disputed, BOOL_OR(promised) AS promised,
                       SUM(amount_residual) AS paused_amount, MIN(date_maturity) AS paused_due
                  FROM open_lines
                 WHERE amount_residual > 0 AND date_maturity < %(date)s
                   AND (disputed OR promised)
                 GROUP BY partner_id
            ), totals AS (
                SELECT partner_id,
                       SUM(amount_residual) - MAX(credit) AS amount,
                       MIN(date_maturity) FILTER (WHERE running > credit) AS oldest_due,
                       ARRAY_AGG(DISTINCT move_id) FILTER (WHERE running > credit) AS move_ids
                  FROM overdue GROUP BY partner_id
                HAVING SUM(amount_residual) > MAX(credit)
            )
            SELECT COALESCE(t.partner_id, p.partner_id), t.amount, t.oldest_due, t.move_ids,
                   COALESCE(p.disputed, FALSE), COALESCE(p.promised, FALSE),
                   COALESCE(p.paused_amount, 0), p.paused_due
              FROM totals t FULL JOIN paused p ON p.partner_id = t.partner_id
            """,
                date=date,
                company=company.id,
                partner_filter=partner_filter,
            )
        )
        result = {}
        rows = self.env.cr.fetchall()
        for (
            partner_id,
            amount,
            oldest_due,
            move_ids,
            disputed,
            promised,
            paused_amount,
            paused_due,
        ) in rows:
            result[partner_id] = {
                "paused_amount": company.currency_id.round(paused_amount),
                "paused_due": paused_due,
                "amount": company.currency_id.round(amount or 0.0),
                "oldest_due": oldest_due or date,
                "move_ids": move_ids or [],
                "paused": {
                    name
                    for name, flag in (("dispute", disputed), ("promise", promised))
                    if flag
                },
            }
        return result

    @api.constrains("is_subscriber", "company_id")
    def _check_subscriber_company(self):
        homeless = self.filtered(
            lambda partner: partner.is_subscriber and not partner.company_id
        )
        if homeless:
            raise ValidationError(
                self.env._(
                    "Subscriber %(name)s must belong to a company: its bills are that "
                    "company's and its money is taken there.",
                    name=homeless[0].display_name,
                )
            )

    @api.constrains("id_number", "is_subscriber", "company_id")
    def _check_id_number(self):
        # Whoever changes a partner's company, the numbers are checked.
        partners = self.sudo()
        with_number = partners.filtered("id_number")
        invalid = with_number.filtered(lambda p: not is_valid_id_number(p.id_number))
        if invalid:
            raise ValidationError(
                self.env._(
                    "Invalid ID number %(number)s for %(name)s: an ID number has 17 digits and a check "
                    "character (digit or X) that must match (GB 11643).",
                    number=invalid[0].id_number,
                    name=invalid[0].display_name,
                )
            )
        subscribers = with_number.filtered("is_subscriber")
        if not subscribers:
            return
        duplicates = (
            partners.search(
                [
                    ("is_subscriber", "=", True),
                    ("id_number", "in", subscribers.mapped("id_number")),
                    ("id", "not in", subscribers.ids),
                ]
            )
            | subscribers
        )
        seen = {}
        for partner in duplicates:
            key = (partner.company_id.id, partner.id_number)
            if key in seen:
                raise ValidationError(
                    self.env._(
                        "ID number %(number)s is already used by subscriber %(other)s.",
                        number=partner.id_number,
                        other=seen[key].display_name,
                    )
                )
            seen[key] = partner

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_protected_fields(self.browse(), vals, PROTECTED_FIELDS)
            if vals.get("id_number"):
                vals["id_number"] = normalize_id_number(vals["id_number"])
            if vals.get("is_subscriber") and not vals.get("company_id"):
                # A subscriber belongs to its company: its money is taken there only.
                parent = self.browse(vals.get("parent_id"))
                vals["company_id"] = (parent.company_id or self.env.company).id
        partners = super().create(vals_list)
        partners.filtered(
            lambda partner: partner.is_subscriber and not partner.collector_id
        )._fee_assign_collectors()
        return partners

    def _fee_reassign(self, collector):
        """These subscribers go to ``collector``, with their services (which follow their
        subscriber) and their open orders."""
        if not collector.active:
            raise UserError(
                self.env._(
                    "%(user)s is archived: subscribers cannot go to them.",
                    user=collector.name,
                )
            )
        self.sudo().collector_id = collector
        orders = (
            self.env["fee.collection.order"]
            .sudo()
            .search([("partner_id", "in", self.ids), ("state", "=", "open")])
        )
        orders.filtered(
            lambda order: order.collector_id != collector
        ).collector_id = collector

    def _fee_assign_collectors(self):
        """Give these subscribers the collector the assignment rules say (a system step
        of registering a subscriber or its service)."""
        if not self:
            return
        assigned = self.env["fee.collector.rule"].sudo()._assign(self)
        for collector, partners in self.grouped(assigned.get).items():
            if collector:
                partners.sudo().collector_id = collector

    def write(self, vals):
        check_protected_fields(self, vals, PROTECTED_FIELDS)
        if vals.get("id_number"):
            vals["id_number"] = normalize_id_number(vals["id_number"])
        # The arrears analysis' totals are kept by area and arrears reason.
        regrouping = (
            self.env["fee.arrears.fact"]._fee_regrouping(self)
            if vals.keys() & ARREARS_TOTAL_FIELDS
            else nullcontext()
        )
        with regrouping:
            result = super().write(vals)
        if vals.get("is_subscriber") and "company_id" not in vals:
            self.filtered(
                lambda partner: not partner.company_id
            ).company_id = self.env.company
        if vals.get("dunning_exempt"):
            self.env["fee.collection.order"]._cancel_exempt(self)
        return result

    def _get_dunning_policy(self, company):
        self.ensure_one()
        return self.dunning_policy_id or company.dunning_policy_id

    def _is_dunning_exempt(self, date):
        self.ensure_one()
        return self.dunning_exempt and (
            not self.dunning_exempt_until or self.dunning_exempt_until >= date
        )

    @api.model
    @contextmanager
    def _fee_judge_dunning_once(self):
        """Within this block, payments, credit notes and reconciliations only note the
        subscribers they touch; these are judged once, when the block ends without error
        (a payment is posted, then reconciled: two notes, one judgement)."""
        data = self.env.cr.precommit.data
        if DEFERRED_KEY in data:
            yield
            return
        data[DEFERRED_KEY] = {}
        try:
            yield
        except Exception:
            data.pop(DEFERRED_KEY, None)
            raise
        pending = data.pop(DEFERRED_KEY)
        self._fee_update_dunning_after_payments(
            (partner, date) for partner, date in pending.items()
        )

    @api.model
    def _fee_update_dunning_after_payments(self, partners_dates):
        """``_fee_update_dunning_after_payment`` for ``(partners, date)`` pairs, one per
        payment, credit note or reconciliation: each partner at a dunning level is judged on
        its latest date, one pass per distinct date. A payment entered late is judged no
        earlier than the partner's last dunning run: what that run did on the arrears the
        payment leaves stays done (no reconnection to suspend again the next day). Inside
        ``_fee_judge_dunning_once``, the partners are only noted."""
        partner_dates = {}
        for partners, date in partners_dates:
            for partner in partners.sudo().filtered("dunning_level_id"):
                partner_dates[partner] = max(date, partner_dates.get(partner, date))
        if not partner_dates:
            return
        deferred = self.env.cr.precommit.data.get(DEFERRED_KEY)
        if deferred is not None:
            for partner, date in partner_dates.items():
                deferred[partner] = max(date, deferred.get(partner, date))
            return
        last_dunned = dict(
            self.env["fee.dunning.line"]
            .sudo()
            ._read_group(
                [
                    ("partner_id", "in", [partner.id for partner in partner_dates]),
                    ("state", "=", "done"),
                ],
                ["partner_id"],
                ["date:max"],
            )
        )
        by_date = {}
        for partner, date in partner_dates.items():
            date = max(date, last_dunned.get(partner, date))
            by_date[date] = by_date.get(date, self.browse()) | partner
        for date, partners in by_date.items():
            partners._fee_update_dunning_after_payment(date)

    def _fee_update_dunning_after_payment(self, date=None):
        """Lower the dunning level of partners whose arrears a payment or credit note has
        reduced, and reconnect the services suspended for arrears once no level they are at
        still suspends. The remaining arrears are judged on ``date``, that of the payment or
        credit note (today by default). Runs as a system step of the payment, whoever
        registers it."""
        partners = self.sudo().filtered("dunning_level_id")
        if not partners:
            return
        date = date or fields.Date.context_today(self)
        for company, company_partners in partners.grouped(
            lambda partner: partner.dunning_level_id.company_id
        ).items():
            figures = self._get_overdue_data(date, company, company_partners.ids)
            lowered = {}
            for partner in company_partners:
                levels = partner.dunning_level_id.policy_id.level_ids
                reached = levels._get_reached_level(
                    *self._dunning_figures(figures, partner, date)
                )
                if partner.dunning_level_id._escalates_from(reached):
                    lowered.setdefault(reached, self.sudo().browse())
                    lowered[reached] |= partner
            company_partners._fee_log_level_drops(lowered, company)
            for level, level_partners in lowered.items():
                level_partners.dunning_level_id = level
                if not level._suspends():
                    level_partners._fee_reconnect_arrears_services()
            self._fee_lower_invoice_levels(lowered, company)
            settled = company_partners.browse(
                partner.id
                for partner in company_partners
                if not figures.get(partner.id)
                or figures[partner.id]["amount"] + figures[partner.id]["paused_amount"]
                <= 0
            )
            self.env["fee.collection.order"]._close_paid(settled)

    @api.model
    def _fee_lower_invoice_levels(self, lowered, company):
        """Keep the invoices' dunning level true when a payment lowers their subscribers'
        ({level: partners}): a paid invoice is no longer at any level, an open one is at
        most at its subscriber's new level."""
        new_levels = {
            partner: level
            for level, partners in lowered.items()
            for partner in partners
        }
        if not new_levels:
            return
        invoices = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("commercial_partner_id", "in", [p.id for p in new_levels]),
                    ("company_id", "=", company.id),
                    ("dunning_level_id", "!=", False),
                ]
            )
        )
        by_level = {}
        for invoice in invoices:
            level = new_levels.get(invoice.commercial_partner_id)
            if level is None:
                continue
            if invoice.payment_state in ("paid", "in_payment", "reversed"):
                level = level.browse()
            elif not invoice.dunning_level_id._escalates_from(level):
                continue
            by_level.setdefault(level, invoices.browse())
            by_level[level] |= invoice
        for level, level_invoices in by_level.items():
            level_invoices._write_dunning_state(level)

    @api.model
    def _dunning_figures(self, figures, partner, date):
        overdue = figures.get(partner.id)
        if not overdue or not overdue["amount"]:
            return 0.0, 0
        return overdue["amount"], (date - overdue["oldest_due"]).days

    def _fee_log_level_drops(self, lowered, company):
        """Say on each subscriber's chatter, in the company's language, that a payment
        lowered its level ({new level: partners}), in one insert."""
        env = self.with_context(lang=company.partner_id.lang or self.env.lang).env
        bodies = {}
        for level, partners in lowered.items():
            new = level.with_env(env).name or env._("no level")
            for partner in partners:
                bodies[partner.id] = Markup("<p>%s</p>") % env._(
                    "Dunning level lowered from %(old)s to %(new)s: a payment or credit "
                    "note reduced the arrears.",
                    old=partner.dunning_level_id.with_env(env).name,
                    new=new,
                )
        if bodies:
            self.browse(bodies)._message_log_batch(bodies=bodies)

    def _fee_reconnect_arrears_services(self):
        """Reconnect the services suspended for arrears, and say so on the subscriber's
        chatter in the company's language."""
        services = (
            self.env["fee.subscription"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", self.ids),
                    ("state", "=", "suspended"),
                    ("suspended_for_arrears", "=", True),
                ]
            )
        )
        if not services:
            return
        services.action_reconnect()
        bodies = {}
        for partner, partner_services in services.grouped("partner_id").items():
            env = self.with_context(
                lang=partner_services.company_id[:1].partner_id.lang or self.env.lang
            ).env
            bodies[partner.id] = Markup("<p>%s</p>") % env._(
                "Reconnected, the arrears being cleared: %(services)s",
                services=", ".join(partner_services.mapped("display_name")),
            )
        self.browse(bodies)._message_log_batch(bodies=bodies)

    # ------------------------------------------------------------------
    # Collection: the one way money is received from a subscriber
    # ------------------------------------------------------------------

    def _fee_collect(
        self,
        amount,
        journal,
        *,
        channel="counter",
        invoices=None,
        date=None,
        session=None,
        order=None,
        agent=None,
        paper_number=None,
        amount_tendered=None,
        user=None,
    ):
        """Receive ``amount`` from this subscriber in ``journal`` and return its receipt.

        Posts an ``account.payment``, reconciles it with the subscriber's open invoices,
        oldest due first (or with ``invoices`` only), keeps what is left as the
        subscriber's credit, and numbers the receipt from the company's gapless sequence.
        Dunning reacts in the same transaction, once (level lowered, services suspended
        for arrears reconnected). Every channel goes through here: the counter (in the
        cashier's open ``session``), collectors in the field (``order``), agents,
        online payments, backfilled paper receipts (``paper_number``, ``date``, ``user``
        who took the money)."""
        self.ensure_one()
        company = self.env.company
        partner = self.commercial_partner_id
        user = user or self.env.user
        date = date or fields.Date.context_today(self)
        paper_number = (paper_number or "").strip().upper() or None
        Receipt = self.env["fee.receipt"]
        self._fee_check_collection(
            partner,
            amount,
            journal,
            channel=channel,
            company=company,
            user=user,
            paper_number=paper_number,
        )
        invoices = (
            self._fee_check_invoices(partner, invoices, company) if invoices else None
        )
        session = self.env["fee.cash.session"]._get_for_collection(
            channel, user, company, session
        )
        partner._fee_lock_open_items()
        # The payment and its reconciliation without the chatter's work per invoice (a
        # tracking message, its followers' look-ups ... a dozen queries an invoice):
        # the invoices get one note each, in one insert, naming the receipt.
        quiet = {
            "tracking_disable": True,
            "mail_create_nolog": True,
            "mail_create_nosubscribe": True,
        }
        with self._fee_judge_dunning_once():
            open_lines = Receipt._get_open_receivable_lines(partner, company, invoices)
            payment = (
                self.env["account.payment"]
                .sudo()
                .with_company(company)
                .with_context(**quiet)
                .create(
                    {
                        "payment_type": "inbound",
                        "partner_type": "customer",
                        "partner_id": partner.id,
                        "amount": amount,
                        "date": date,
                        "journal_id": journal.id,
                        "memo": paper_number or False,
                    }
                )
            )
            payment.action_post()
            payment_lines = payment.move_id.line_ids.filtered(
                lambda line: line.account_type == "asset_receivable"
            )
            # Credit the subscriber already had (an earlier overpayment, a credit note)
            # goes first, then the new payment.
            to_reconcile = open_lines.filtered(
                lambda line: line.account_id == payment_lines.account_id
            )
            if to_reconcile:
                (payment_lines | to_reconcile).with_context(**quiet).reconcile()
            # What is left on a subscriber whose debt was written off is recovered
            # (坏账收回): booked as income, up to what was written off.
            if payment_lines.filtered(lambda line: not line.reconciled):
                # Not quiet: the write-off tracks what it recovered.
                self.env["fee.write.off"].sudo()._fee_book_recoveries(
                    partner, company, payment_lines
                )
            change = (
                (journal.currency_id or company.currency_id).round(
                    amount_tendered - amount
                )
                if amount_tendered
                else 0.0
            )
            receipt = Receipt.sudo().create(
                {
                    "date": date,
                    "company_id": company.id,
                    "partner_id": partner.id,
                    "amount": amount,
                    "journal_id": journal.id,
                    "channel": channel,
                    "user_id": user.id,
                    "cash_session_id": session.id,
                    "collection_order_id": order.id if order else False,
                    "agent_id": agent.id if agent else False,
                    "paper_number": paper_number or False,
                    "payment_id": payment.id,
                    "amount_credit": -sum(payment_lines.mapped("amount_residual")),
                    "amount_tendered": amount_tendered or 0.0,
                    "amount_change": max(change, 0.0),
                    "line_ids": [
                        Command.create(vals)
                        for vals in Receipt._prepare_line_vals_list(payment_lines)
                    ],
                }
            )
            receipt.balance_after = self._fee_get_balance(partner, company)
            # Numbered last (the sequence's row stays locked until the commit), before
            # dunning reacts: orders closed by the payment name their receipt.
            receipt._number()
            with Receipt._fee_unsealed(payment):
                payment.memo = receipt.name
            receipt._log_on_invoices()
        self.env["fee.anomaly"].sudo()._check_duplicate_receipts(receipt)
        return receipt.with_env(self.env)

    def _fee_lock_open_items(self):
        """Serialise what changes these subscribers' open items: two payments, or a
        payment and a void, of one subscriber at once. The row is written, not only
        locked: the transaction that commits second then fails to serialise and Odoo
        runs it again, seeing the first's result (a void's reopened invoices, a
        payment's receipt), instead of working on what it read before."""
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET write_date = write_date WHERE id = ANY(%s)",
                self.ids,
            )
        )

    @api.model
    def _fee_check_collection(
        self, partner, amount, journal, *, channel, company, user, paper_number
    ):
        """Refuse money that cannot be taken, with the reason, before anything is written."""
        if not self.env.su:
            group = (
                "fee_collection.group_fee_collector"
                if channel == "field"
                else "fee_collection.group_fee_cashier"
            )
            if not self.env.user.has_group(group):
                raise AccessError(
                    self.env._("You are not allowed to take payments of subscribers.")
                )
            partner.check_access("read")
        self._fee_check_amount(amount, company)
        if not partner.is_subscriber:
            raise UserError(
                self.env._(
                    "%(partner)s is not a subscriber: money is taken from subscribers "
                    "only.",
                    partner=partner.display_name,
                )
            )
        if partner.company_id != company:
            raise UserError(
                self.env._(
                    "%(partner)s is a subscriber of %(company)s: take the payment in that "
                    "company.",
                    partner=partner.display_name,
                    company=partner.company_id.name or self.env._("no company"),
                )
            )
        if channel == "field" and journal not in company._fee_get_field_journals(user):
            raise UserError(
                self.env._(
                    "%(journal)s is not a payment method of %(user)s in the field.",
                    journal=journal.display_name,
                    user=user.name,
                )
            )
        if journal.company_id != company or journal.type not in ("cash", "bank"):
            raise UserError(
                self.env._(
                    "%(journal)s is not a payment method of %(company)s.",
                    journal=journal.display_name,
                    company=company.name,
                )
            )
        if journal.currency_id and journal.currency_id != company.currency_id:
            raise UserError(
                self.env._(
                    "%(journal)s takes %(currency)s: subscribers pay in %(company_currency)s "
                    "only.",
                    journal=journal.display_name,
                    currency=journal.currency_id.name,
                    company_currency=company.currency_id.name,
                )
            )
        if channel in ("counter", "import") and (
            journal not in company._fee_get_payment_journals()
        ):
            raise UserError(
                self.env._(
                    "%(journal)s is not a payment method of the counter of %(company)s.",
                    journal=journal.display_name,
                    company=company.name,
                )
            )
        if not user.active or user.share:
            raise UserError(
                self.env._("%(user)s cannot take payments.", user=user.display_name)
            )
        if paper_number:
            self._fee_check_paper_number(paper_number, company)

    @api.model
    def _fee_check_amount(self, amount, company):
        """An amount of money a receipt may take: a finite positive number, in the
        currency's decimals, at most the company's maximum."""
        currency = company.currency_id
        if not isinstance(amount, (int, float)) or not math.isfinite(amount):
            raise UserError(
                self.env._("%(amount)s is not an amount of money.", amount=amount)
            )
        if currency.compare_amounts(amount, 0.0) <= 0:
            raise UserError(self.env._("The amount received must be positive."))
        if not float_is_zero(
            amount - currency.round(amount),
            precision_digits=currency.decimal_places + 2,
        ):
            raise UserError(
                self.env._(
                    "%(amount)s has more decimals than %(currency)s allows.",
                    amount=amount,
                    currency=currency.name,
                )
            )
        maximum = company.fee_max_receipt_amount
        if maximum and currency.compare_amounts(amount, maximum) > 0:
            raise UserError(
                self.env._(
                    "%(amount)s is more than a receipt may take (%(maximum)s, a setting "
                    "of %(company)s): check the amount.",
                    amount=format_amount(self.env, amount, currency),
                    maximum=format_amount(self.env, maximum, currency),
                    company=company.name,
                )
            )

    @api.model
    def _fee_check_paper_number(self, paper_number, company):
        if len(paper_number) > PAPER_NUMBER_SIZE:
            raise UserError(
                self.env._(
                    "Paper receipt number %(number)s… is longer than %(size)s "
                    "characters.",
                    number=paper_number[:20],
                    size=PAPER_NUMBER_SIZE,
                )
            )
        if (
            self.env["fee.receipt"]
            .sudo()
            .search_count(
                [("company_id", "=", company.id), ("paper_number", "=", paper_number)],
                limit=1,
            )
        ):
            raise UserError(
                self.env._(
                    "Paper receipt %(number)s has already been entered.",
                    number=paper_number,
                )
            )

    @api.model
    def _fee_check_invoices(self, partner, invoices, company):
        """The invoices a cashier chose must be this subscriber's, open, of this company."""
        invoices = invoices.sudo()
        wrong = invoices.filtered(
            lambda move: (
                move.commercial_partner_id != partner
                or move.company_id != company
                or move.state != "posted"
                or not move.is_sale_document()
            )
        )
        if wrong:
            raise UserError(
                self.env._(
                    "Invoice %(invoice)s is not an open invoice of %(partner)s.",
                    invoice=wrong[0].display_name,
                    partner=partner.display_name,
                )
            )
        paid = invoices.filtered(
            lambda move: move.payment_state in ("paid", "reversed")
        )
        if paid:
            raise UserError(
                self.env._(
                    "Invoice %(invoice)s has been paid meanwhile.",
                    invoice=paid[0].name,
                )
            )
        return invoices

    @api.model
    def _fee_get_balance(self, partner, company):
        """What the subscriber owes now, all open receivables (credit deducted)."""
        # Receivable items carry the commercial partner, whichever contact was billed.
        [(balance,)] = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "=", company.id),
                    ("partner_id", "=", partner.id),
                    ("account_type", "=", "asset_receivable"),
                    ("parent_state", "=", "posted"),
                    ("reconciled", "=", False),
                ],
                [],
                ["amount_residual:sum"],
            )
        )
        return balance

    @api.onchange("area_id")
    def _onchange_area_id(self):
        if self.area_id.collector_ids and not self.collector_id:
            self.collector_id = self.area_id.collector_ids[:1]

    def _fee_check_workable(self):
        """Refuse subscribers the user may not work on, before anything of theirs is read
        with full rights: the user is a fee collection user, and these are subscribers
        of the user's companies that the user's record rules let them read (a
        collector's own, any of a cashier's companies)."""
        if self.env.su:
            return
        if not self.env.user.has_group("fee_collection.group_fee_collector"):
            raise AccessError(
                self.env._("Only fee collection users work on subscribers.")
            )
        self.check_access("read")
        other = self.filtered(
            lambda partner: (
                not partner.is_subscriber
                or partner.company_id not in self.env.companies
            )
        )
        if other:
            raise AccessError(
                self.env._(
                    "%(partner)s is not a subscriber you work on.",
                    partner=other[0].display_name,
                )
            )

    def _fee_is_chinese_address(self):
        """Whether the address is written the Chinese way (that of the partner's country,
        or of its company's when it has none)."""
        self.ensure_one()
        country = self.country_id or self.company_id.country_id
        return country.code == "CN"

    def _fee_postal_address(self):
        """The address on one line, as letters print it. A Chinese one runs from the
        largest place to the smallest without spaces (江苏省扬州市文昌西路18号), its
        country named only when abroad; other ones from the street up, separated by
        commas."""
        self.ensure_one()
        if not self._fee_is_chinese_address():
            return ", ".join(
                part for part in (self.street, self.street2, self.city) if part
            )
        home = self.company_id.country_id or self.env.company.country_id
        return "".join(
            part
            for part in (
                self.country_id.name if self.country_id != home else "",
                self.state_id.name,
                self.city,
                self.street,
                self.street2,
            )
            if part
        )

    def _fee_get_open_invoices(self):
        """The subscribers' open posted customer invoices, oldest due first (with the
        rights of this recordset's environment)."""
        return self.env["account.move"].search(
            [
                ("commercial_partner_id", "in", self.commercial_partner_id.ids),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
            ],
            order="invoice_date_due, id",
        )

    def action_fee_register_payment(self):
        """Odoo's payment wizard on the subscriber's open invoices, as one payment, for
        an accountant recording a transfer from the subscriber's file: in the company's
        bank transfer method, rather than Odoo's first journal (the cash)."""
        self.ensure_one()
        invoices = self._fee_get_open_invoices()
        if not invoices:
            raise UserError(
                self.env._("%(subscriber)s has nothing to pay.", subscriber=self.name)
            )
        action = invoices.action_register_payment()
        action["context"] = dict(action["context"], default_group_payment=True)
        transfer = (
            invoices.company_id[:1]
            ._fee_get_payment_journals()
            .filtered(lambda journal: journal.fee_payment_method == "transfer")[:1]
        )
        if transfer:
            action["context"]["default_journal_id"] = transfer.id
        return action

    def action_fee_take_payment(self):
        """The counter, on this subscriber."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "fee_collection.fee_counter_payment_action"
        )
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def action_fee_write_off(self):
        """A draft write-off of this subscriber's open invoices (坏账核销)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "fee_collection.fee_write_off_action"
        )
        action.update(
            {
                "view_mode": "form",
                "views": [(False, "form")],
                "target": "current",
                "context": {"default_partner_id": self.commercial_partner_id.id},
            }
        )
        return action

    def action_view_subscriptions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "fee_collection.fee_subscription_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action
