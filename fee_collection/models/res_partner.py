from contextlib import nullcontext

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import check_protected_fields, is_valid_id_number, normalize_id_number
from ..tools.groups import COLLECTOR, MANAGER

# The level is the dunning run's and the payments'; the policy and the exemption soften
# dunning, which is a manager's decision.
PROTECTED_FIELDS = {
    "dunning_level_id": None,
    "dunning_policy_id": MANAGER,
    "dunning_exempt": MANAGER,
    "dunning_exempt_reason": MANAGER,
    "dunning_exempt_until": MANAGER,
    # A pay link lasts what its notices give it; revoking it is an action.
    "fee_pay_code_expiry": None,
}
ARREARS_TOTAL_FIELDS = {"area_id", "arrears_reason_id", "is_subscriber"}


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
        groups=COLLECTOR,
    )
    id_verified = fields.Boolean(
        string="Real-name Verified",
        tracking=True,
        copy=False,
        help="The subscriber's identity was checked against the ID card (实名制).",
        groups=COLLECTOR,
    )
    mobile2 = fields.Char(string="Second Contact Phone", groups=COLLECTOR)
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
        groups=COLLECTOR,
    )
    dunning_exempt = fields.Boolean(
        string="Exempt from Dunning",
        tracking=True,
        copy=False,
        help="Red list / VIP / government (红名单、免催免停): never dunned nor suspended.",
        groups=COLLECTOR,
    )
    dunning_exempt_reason = fields.Char(
        string="Exemption Reason",
        tracking=True,
        copy=False,
        groups=COLLECTOR,
    )
    dunning_exempt_until = fields.Date(
        string="Exempt Until", tracking=True, copy=False, groups=COLLECTOR
    )
    arrears_reason_id = fields.Many2one(
        "fee.arrears.reason", tracking=True, groups=COLLECTOR
    )
    dunning_line_ids = fields.One2many(
        "fee.dunning.line",
        "partner_id",
        string="Dunning History",
        domain=[("state", "in", ("done", "skipped"))],
        groups=COLLECTOR,
    )
    fee_overdue_amount = fields.Monetary(
        string="Overdue",
        compute="_compute_fee_overdue",
        search="_search_fee_overdue_amount",
        currency_field="fee_currency_id",
        help="Overdue receivable today, after unapplied payments and credit notes, what a "
        "promise or a dispute holds back included.",
        groups=COLLECTOR,
    )
    fee_overdue_days = fields.Integer(
        string="Days Overdue",
        compute="_compute_fee_overdue",
        search="_search_fee_overdue_days",
        help="Age of the oldest unpaid overdue amount.",
        groups=COLLECTOR,
    )
    fee_paused_amount = fields.Monetary(
        string="Of Which Held Back",
        compute="_compute_fee_overdue",
        currency_field="fee_currency_id",
        help="Overdue, but not dunned while a promise to pay runs or a dispute is open.",
        groups=COLLECTOR,
    )
    fee_promise_date = fields.Date(
        string="Promised By",
        compute="_compute_fee_overdue",
        help="The latest date the subscriber promised to pay by (预约缴费).",
        groups=COLLECTOR,
    )
    fee_currency_id = fields.Many2one(
        "res.currency", compute="_compute_fee_currency_id"
    )
    fee_late_payment_count = fields.Integer(
        string="Late Payments (12 Months)",
        compute="_compute_fee_late_payment_count",
        help="Invoices due in the last twelve months paid after their due date, or not "
        "paid yet.",
        groups=COLLECTOR,
    )
    fee_chronic_late = fields.Boolean(
        string="Chronic Late Payer",
        compute="_compute_fee_late_payment_count",
        search="_search_fee_chronic_late",
        help="At least as many late payments in twelve months as the company's setting "
        "says (经常缴费不及时用户).",
        groups=COLLECTOR,
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
        counts = self.env["fee.overdue"]._get_late_payment_counts(
            self.env.company, self.ids
        )
        threshold = self.env.company.fee_chronic_late_count
        for partner in self:
            partner.fee_late_payment_count = counts.get(partner.id, 0)
            partner.fee_chronic_late = partner.fee_late_payment_count >= threshold

    def _search_fee_chronic_late(self, operator, value):
        # Odoo checks the groups of the stored fields a domain names, not of these.
        self.check_field_access_rights("read", ["fee_chronic_late"])
        return self.env["fee.overdue"]._search_chronic_late(operator, value)

    def _compute_fee_overdue(self):
        """What is overdue, all of it: a promise or a dispute pauses dunning, it does not
        hide the debt (what they hold back is shown beside it)."""
        figures = self.env["fee.overdue"]._get_partner_figures(self)
        for partner in self:
            (
                partner.fee_overdue_amount,
                partner.fee_overdue_days,
                partner.fee_paused_amount,
                partner.fee_promise_date,
            ) = figures[partner]

    def _search_fee_overdue_amount(self, operator, value):
        self.check_field_access_rights("read", ["fee_overdue_amount"])
        return self.env["fee.overdue"]._search_owed("amount", operator, value)

    def _search_fee_overdue_days(self, operator, value):
        self.check_field_access_rights("read", ["fee_overdue_days"])
        return self.env["fee.overdue"]._search_owed("days", operator, value)

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
        self.env["fee.collector.rule"]._assign_collectors(
            partners.filtered(
                lambda partner: partner.is_subscriber and not partner.collector_id
            )
        )
        return partners

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

    def _fee_collect(self, amount, journal, **options):
        """Receive ``amount`` from this subscriber in ``journal`` and return its receipt:
        the one way money is taken, whatever the channel. ``options``: ``channel``,
        ``invoices``, ``date``, ``session``, ``order``, ``agent``, ``paper_number``,
        ``amount_tendered``, ``user`` (see ``fee.receipt._collect``)."""
        return self.env["fee.receipt"]._collect(self, amount, journal, **options)

    @api.model
    def _fee_collect_batch(self, rows, *, channel):
        """Receive the money of many ``rows`` at once (a backfill, a bank's return file)
        and return their receipts in the rows' order, all or nothing. A row is a dict:
        ``partner``, ``amount``, ``journal``, optionally ``date``, ``paper_number``,
        ``user`` and ``row`` (its name in errors); see ``fee.receipt._collect_batch``."""
        return self.env["fee.receipt"]._collect_batch(rows, channel=channel)

    @api.onchange("area_id")
    def _onchange_area_id(self):
        if self.area_id.collector_ids and not self.collector_id:
            self.collector_id = self.area_id.collector_ids[:1]

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

    def action_fee_register_payment(self):
        """Odoo's payment wizard on the subscriber's open invoices, as one payment, for
        an accountant recording a transfer from the subscriber's file: in the company's
        bank transfer method, rather than Odoo's first journal (the cash)."""
        self.ensure_one()
        invoices = self.env["fee.overdue"]._get_open_invoices(self)
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
