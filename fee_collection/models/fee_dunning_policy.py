import itertools

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import check_integer_range

MAX_DAYS_OVERDUE = 3650
MAX_MIN_AMOUNT = 1_000_000_000
MAX_FEE_AMOUNT = 1_000_000


class FeeDunningPolicy(models.Model):
    """A named ladder of dunning levels (retail, business, VIP ...)."""

    _name = "fee.dunning.policy"
    _description = "Dunning Policy"
    _order = "name"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    level_ids = fields.One2many(
        "fee.dunning.level", "policy_id", string="Levels", copy=True
    )
    partner_count = fields.Integer(compute="_compute_partner_count")

    def _compute_partner_count(self):
        """Subscribers this policy applies to: its own, and, for a company's default
        policy, those of the company without a policy."""
        Partner = self.env["res.partner"]
        counts = dict(
            Partner._read_group(
                [("dunning_policy_id", "in", self.ids), ("is_subscriber", "=", True)],
                ["dunning_policy_id"],
                ["__count"],
            )
        )
        defaults = self.filtered(
            lambda policy: policy.company_id.dunning_policy_id == policy
        )
        by_default = (
            dict(
                Partner._read_group(
                    [
                        ("is_subscriber", "=", True),
                        ("dunning_policy_id", "=", False),
                        ("company_id", "in", [*defaults.company_id.ids, False]),
                    ],
                    ["company_id"],
                    ["__count"],
                )
            )
            if defaults
            else {}
        )
        for policy in self:
            policy.partner_count = counts.get(policy, 0)
            if policy in defaults:
                policy.partner_count += by_default.get(
                    policy.company_id, 0
                ) + by_default.get(policy.company_id.browse(), 0)

    @api.constrains("level_ids")
    def _check_level_days(self):
        for policy in self:
            days = policy.level_ids.sorted(
                lambda level: (level.sequence, level.id)
            ).mapped("days_overdue")
            if any(later <= earlier for earlier, later in itertools.pairwise(days)):
                raise ValidationError(
                    self.env._(
                        "The levels of %(policy)s must have strictly increasing days overdue, in "
                        "their order.",
                        policy=policy.display_name,
                    )
                )


class FeeDunningLevel(models.Model):
    """One stage of a dunning policy and what it does to the subscriber."""

    _name = "fee.dunning.level"
    _description = "Dunning Level"
    _order = "policy_id, sequence, days_overdue, id"

    policy_id = fields.Many2one(
        "fee.dunning.policy", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="policy_id.company_id", store=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    days_overdue = fields.Integer(
        required=True,
        help="Reached once the oldest unpaid due date is this many days past.",
    )
    min_amount = fields.Monetary(
        string="Minimum Overdue",
        help="Reached only when the overdue amount is at least this.",
    )

    # Actions
    send_email = fields.Boolean(string="E-mail")
    mail_template_id = fields.Many2one(
        "mail.template",
        string="E-mail Template",
        domain="[('model', '=', 'fee.dunning.line')]",
    )
    send_sms = fields.Boolean(string="SMS")
    sms_template_id = fields.Many2one(
        "sms.template",
        string="SMS Template",
        domain="[('model', '=', 'fee.dunning.line')]",
    )
    send_letter = fields.Boolean(string="Letter")
    letter_body = fields.Html(translate=True, help="Text of the printed letter.")
    order_type = fields.Selection(
        [
            ("none", "None"),
            ("phone", "Phone Call"),
            ("visit", "Visit"),
            ("legal", "Legal"),
        ],
        string="Collection Order",
        required=True,
        default="none",
    )
    call_script = fields.Html(
        translate=True, help="What the collector says (催缴脚本)."
    )
    suspend_service = fields.Boolean(string="Suspend Services")
    disconnect_service = fields.Boolean(string="Disconnect Services")
    fee_amount = fields.Monetary(
        string="Dunning Fee", help="Fixed charge billed at this level."
    )
    apply_late_fee = fields.Boolean(
        string="Charge Late Fee",
        help="Bill the late fee accrued since the last charge.",
    )

    sequence_index = fields.Integer(
        compute="_compute_sequence_index",
        help="Position of the level in its policy, 0 for the first.",
    )

    @api.depends("policy_id.level_ids", "sequence", "days_overdue")
    def _compute_sequence_index(self):
        for policy_levels in self.grouped("policy_id").values():
            ordered = policy_levels.policy_id.level_ids._ordered()
            for level in policy_levels:
                level.sequence_index = (
                    list(ordered).index(level) if level in ordered else -1
                )

    def _ordered(self):
        """These levels in policy order, sorted in memory: ``sorted()`` without a key would
        query the database, and this runs for every subscriber of a dunning run."""
        return self.sorted(
            key=lambda level: (level.sequence, level.days_overdue, level.id)
        )

    def _rank(self):
        """Position in the policy; -1 for no level, so any level ranks above none."""
        return self.sequence_index if self else -1

    def _get_ladder(self):
        """``(days overdue, minimum amount, level)`` of these levels in policy order, as
        plain values: a run looks levels up for every subscriber."""
        return [
            (level.days_overdue, level.min_amount, level) for level in self._ordered()
        ]

    def _get_reached_level(self, amount, days, ladder=None):
        """The highest of these levels (a policy's) that ``amount`` overdue for ``days``
        reaches, or an empty recordset. ``ladder``, from ``_get_ladder()``, saves
        ordering the levels again on each call."""
        reached = self.browse()
        if amount > 0:
            for min_days, min_amount, level in ladder or self._get_ladder():
                if days >= min_days and amount >= min_amount:
                    reached = level
        return reached

    def _suspends(self):
        """Whether being at this level keeps services suspended (this or an earlier level
        suspends or disconnects)."""
        if not self:
            return False
        self.ensure_one()
        return any(
            level.suspend_service or level.disconnect_service
            for level in self.policy_id.level_ids._ordered()
            if level.sequence_index <= self.sequence_index
        )

    def _escalates_from(self, previous):
        return self._rank() > previous._rank()

    @api.constrains("sequence", "days_overdue", "policy_id")
    def _check_policy_days(self):
        self.policy_id._check_level_days()

    @api.constrains("min_amount", "fee_amount", "days_overdue")
    def _check_amounts(self):
        for level in self:
            if level.min_amount < 0 or level.fee_amount < 0 or level.days_overdue < 0:
                raise ValidationError(
                    self.env._(
                        "Level %(level)s: days overdue, minimum amount and fee cannot be negative.",
                        level=level.name,
                    )
                )
            if (
                level.days_overdue > MAX_DAYS_OVERDUE
                or level.min_amount > MAX_MIN_AMOUNT
                or level.fee_amount > MAX_FEE_AMOUNT
            ):
                raise ValidationError(
                    self.env._(
                        "Level %(level)s: days overdue cannot exceed %(days)s, the "
                        "minimum amount %(amount)s and the fee %(fee)s.",
                        level=level.name,
                        days=MAX_DAYS_OVERDUE,
                        amount=MAX_MIN_AMOUNT,
                        fee=MAX_FEE_AMOUNT,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        check_integer_range(self, vals_list)
        return super().create(vals_list)

    def write(self, vals):
        check_integer_range(self, [vals])
        return super().write(vals)

    @api.constrains("mail_template_id", "sms_template_id", "send_email", "send_sms")
    def _check_templates(self):
        for level in self:
            for template in (level.mail_template_id, level.sms_template_id):
                if template and template.model != "fee.dunning.line":
                    raise ValidationError(
                        self.env._(
                            "Template %(template)s is made for %(model)s: a dunning level needs a "
                            "template for dunning lines.",
                            template=template.display_name,
                            model=template.model,
                        )
                    )
            if level.send_email and not level.mail_template_id:
                raise ValidationError(
                    self.env._(
                        "Level %(level)s sends e-mails: choose its e-mail template.",
                        level=level.name,
                    )
                )
            if level.send_sms and not level.sms_template_id:
                raise ValidationError(
                    self.env._(
                        "Level %(level)s sends SMS: choose its SMS template.",
                        level=level.name,
                    )
                )
