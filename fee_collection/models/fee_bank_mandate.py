import re

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_date

from ..tools import check_protected_fields
from ..tools.groups import ACCOUNTANT
from . import fee_state_mixin  # noqa: F401

# Bank account numbers of personal cards and company accounts (16 to 19 digits for a
# Chinese bank card, up to about 25 for an account).
ACC_NUMBER_PATTERN = re.compile(r"\d{10,30}")
# Spaces and dashes that people write an account number with.
ACC_NUMBER_SEPARATORS = re.compile(r"[\s-]+")
# The workflow's fields: activation and revocation write them.
WORKFLOW_FIELDS = dict.fromkeys(("name", "state", "date_end", "end_reason"))
# What the subscriber signed: fixed once the mandate is in force (another account is
# another mandate).
SIGNED_FIELDS = (
    "partner_id",
    "subscription_id",
    "bank_id",
    "acc_number",
    "holder_name",
    "signed_date",
    "company_id",
)


class FeeBankMandate(models.Model):
    """A subscriber's direct debit mandate (银行代扣协议): the subscriber allows the
    company to have their bank debit what they owe from an account. Registered as a
    draft, in force once activated (the bank confirmed it), until revoked or until the
    service it was signed for is closed. Collection runs debit the mandates in force."""

    _name = "fee.bank.mandate"
    _description = "Direct Debit Mandate"
    _inherit = ["mail.thread", "fee.state.mixin"]
    _order = "signed_date desc, id desc"
    _rec_names_search = ["name", "partner_id.name", "acc_number"]
    _check_company_auto = True

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/"
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Subscriber",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        domain="[('is_subscriber', '=', True)]",
    )
    subscription_id = fields.Many2one(
        "fee.subscription",
        string="Service",
        index="btree_not_null",
        tracking=True,
        check_company=True,
        domain="[('partner_id', '=', partner_id), ('state', '!=', 'closed')]",
        help="The service the mandate was signed for, if any: closing the service "
        "ends the mandate. The mandate debits everything the subscriber owes.",
    )
    bank_id = fields.Many2one("res.bank", required=True, tracking=True)
    acc_number = fields.Char(string="Account Number", required=True, tracking=True)
    holder_name = fields.Char(
        string="Account Holder",
        required=True,
        tracking=True,
        help="As the bank knows the account's holder, who may not be the subscriber.",
    )
    signed_date = fields.Date(
        required=True, default=fields.Date.context_today, tracking=True
    )
    state = fields.Selection(
        [("draft", "Draft"), ("active", "In Force"), ("revoked", "Ended")],
        required=True,
        default="draft",
        readonly=True,
        tracking=True,
        index=True,
        copy=False,
    )
    date_end = fields.Date(string="Ended On", readonly=True, copy=False)
    end_reason = fields.Char(readonly=True, copy=False, tracking=True)
    line_ids = fields.One2many(
        "fee.bank.collection.line",
        "mandate_id",
        string="Debits",
        readonly=True,
        groups=ACCOUNTANT,
    )

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------

    @api.constrains("acc_number")
    def _check_acc_number(self):
        for mandate in self:
            if not ACC_NUMBER_PATTERN.fullmatch(mandate.acc_number or ""):
                raise ValidationError(
                    self.env._(
                        "Account number “%(number)s” of %(subscriber)s is not a bank "
                        "account number: 10 to 30 digits, spaces and dashes aside.",
                        number=mandate.acc_number,
                        subscriber=mandate.partner_id.display_name,
                    )
                )

    @api.constrains("partner_id", "subscription_id")
    def _check_partner(self):
        for mandate in self:
            if not mandate.partner_id.is_subscriber:
                raise ValidationError(
                    self.env._(
                        "%(partner)s is not a subscriber: direct debit mandates are "
                        "signed by subscribers only.",
                        partner=mandate.partner_id.display_name,
                    )
                )
            if (
                mandate.subscription_id
                and mandate.subscription_id.partner_id != mandate.partner_id
            ):
                raise ValidationError(
                    self.env._(
                        "Service %(service)s is not a service of %(partner)s.",
                        service=mandate.subscription_id.display_name,
                        partner=mandate.partner_id.display_name,
                    )
                )

    @api.constrains("signed_date")
    def _check_signed_date(self):
        today = fields.Date.context_today(self)
        for mandate in self:
            if mandate.signed_date > today:
                raise ValidationError(
                    self.env._(
                        "Mandate %(mandate)s is signed on %(date)s, after today.",
                        mandate=mandate.name,
                        date=format_date(self.env, mandate.signed_date),
                    )
                )

    @api.constrains("state", "active", "partner_id", "bank_id", "acc_number")
    def _check_one_in_force(self):
        """One mandate in force per subscriber and bank account: two would debit the
        subscriber twice."""
        in_force = self.filtered(lambda m: m.state == "active" and m.active)
        if not in_force:
            return
        counts = self.with_context(active_test=True)._read_group(
            [("state", "=", "active"), ("partner_id", "in", in_force.partner_id.ids)],
            ["partner_id", "bank_id", "acc_number"],
            ["__count"],
        )
        for partner, bank, acc_number, count in counts:
            if count > 1:
                raise ValidationError(
                    self.env._(
                        "%(partner)s already has a mandate in force for account "
                        "%(number)s at %(bank)s: end it first.",
                        partner=partner.display_name,
                        number=acc_number,
                        bank=bank.name,
                    )
                )

    @api.constrains("state", "subscription_id")
    def _check_service_open(self):
        for mandate in self:
            if mandate.state == "active" and mandate.subscription_id.state == "closed":
                raise ValidationError(
                    self.env._(
                        "Service %(service)s is closed: its mandate cannot be in force.",
                        service=mandate.subscription_id.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        self.check_access("create")
        for vals in vals_list:
            check_protected_fields(self.browse(), vals, WORKFLOW_FIELDS)
            self._normalize_vals(vals)
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"]._fee_next_name(self._name, vals)
        return super().create(vals_list)

    def write(self, vals):
        check_protected_fields(self, vals, WORKFLOW_FIELDS)
        if not self.env.su and vals.keys() & set(SIGNED_FIELDS):
            self.check_access("write")
            signed = self.filtered(lambda m: m.state != "draft")
            if signed:
                raise UserError(
                    self.env._(
                        "Mandate %(mandate)s is in force or ended: what the subscriber "
                        "signed cannot change. Register a new mandate for another "
                        "account.",
                        mandate=signed[0].name,
                    )
                )
        self._normalize_vals(vals)
        return super().write(vals)

    @api.model
    def _normalize_vals(self, vals):
        if vals.get("acc_number"):
            vals["acc_number"] = ACC_NUMBER_SEPARATORS.sub("", vals["acc_number"])
        if vals.get("holder_name"):
            vals["holder_name"] = vals["holder_name"].strip()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_signed(self):
        if self.filtered(lambda m: m.state != "draft"):
            raise UserError(
                self.env._(
                    "A mandate that was in force is kept: archive it instead of deleting "
                    "it."
                )
            )

    @api.onchange("partner_id")
    def _onchange_partner_id(self):
        if self.partner_id and not self.holder_name:
            self.holder_name = self.partner_id.name
        if self.subscription_id.partner_id != self.partner_id:
            self.subscription_id = False

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_activate(self):
        """Put the mandates in force, once the bank has confirmed them."""
        self.check_access("write")
        self._check_state("draft")
        # Two accountants activating twin mandates of a subscriber at once: the second
        # waits, then its constraint sees the first.
        self._lock_partners()
        self.sudo().write({"state": "active"})
        return True

    def action_revoke(self):
        """End the mandates at the subscriber's request: they are debited no more."""
        self.check_access("write")
        self._check_state("active")
        self._end(self.env._("Revoked by the subscriber"))
        return True

    # ------------------------------------------------------------------
    # Business helpers
    # ------------------------------------------------------------------

    def _end(self, reason):
        """End these mandates in force with ``reason``, as a system step."""
        self.filtered(lambda m: m.state == "active").sudo().write(
            {
                "state": "revoked",
                "date_end": fields.Date.context_today(self),
                "end_reason": reason,
            }
        )

    def _end_for_closed_services(self):
        """End the mandates in force whose service is closed; returns them."""
        closed = self.filtered(
            lambda m: m.state == "active" and m.subscription_id.state == "closed"
        )
        for company, mandates in closed.grouped("company_id").items():
            mandates._end(company._fee_get_lang_env()._("Service closed"))
        return closed

    def _lock_partners(self):
        self.env.cr.execute(
            SQL(
                "SELECT id FROM res_partner WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
                self.partner_id.ids,
            )
        )
