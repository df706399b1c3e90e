from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date

from ..tools.groups import COLLECTOR


class FeeCollectorRule(models.Model):
    """Who works a subscriber (分片包干): ordered rules, the first that matches gives the
    collector. A rule matches by area or grid, subscriber tag, overdue amount (big clients
    to a dedicated account manager) and service number (prefix or range); a rule can
    also give the subscriber to whoever acquired it (谁发展谁催收). Without a match, the
    first collector of the subscriber's area works it."""

    _name = "fee.collector.rule"
    _description = "Collector Assignment Rule"
    _order = "sequence, id"
    _check_company_auto = True

    sequence = fields.Integer(default=10)
    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    area_id = fields.Many2one(
        "fee.area",
        string="Area or Grid",
        check_company=True,
        help="Subscribers of this area and of the grids below it.",
    )
    category_id = fields.Many2one(
        "res.partner.category",
        string="Subscriber Tag",
        help="Subscribers with this tag, e.g. Business or Government.",
    )
    min_amount = fields.Monetary(
        string="Overdue At Least",
        currency_field="currency_id",
        help="Subscribers owing at least this much (big clients to an account manager).",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    number_prefix = fields.Char(
        string="Service Number Starts With",
        help="A service of the subscriber has a number starting with this.",
    )
    number_from = fields.Char(string="Service Numbers From")
    number_to = fields.Char(string="Service Numbers To")
    use_acquirer = fields.Boolean(
        string="Acquirer First",
        help="The subscriber goes to whoever acquired it (谁发展谁催收), when that user "
        "is an active collector.",
    )
    collector_id = fields.Many2one(
        "res.users",
        domain="[('share', '=', False)]",
        help="Who works the subscribers this rule matches (when no acquirer applies).",
    )

    @api.constrains("name", "collector_id", "use_acquirer", "number_from", "number_to")
    def _check_rule(self):
        for rule in self:
            if not rule.collector_id and not rule.use_acquirer:
                raise ValidationError(
                    self.env._(
                        "Rule %(rule)s needs a collector, or to give subscribers to "
                        "their acquirer.",
                        rule=rule.name,
                    )
                )
            if rule.collector_id and not rule.collector_id.active:
                raise ValidationError(
                    self.env._(
                        "%(user)s is archived: choose an active collector for rule "
                        "%(rule)s.",
                        user=rule.collector_id.name,
                        rule=rule.name,
                    )
                )
            if bool(rule.number_from) != bool(rule.number_to) or (
                rule.number_from
                and _number_key(rule.number_from) > _number_key(rule.number_to)
            ):
                raise ValidationError(
                    self.env._(
                        "Rule %(rule)s: give both ends of the service number range, the "
                        "first not after the second.",
                        rule=rule.name,
                    )
                )

    # ------------------------------------------------------------------
    # Assignment
    # ------------------------------------------------------------------

    @api.model
    def _assign_collectors(self, partners):
        """Give ``partners`` the collector the rules say (a system step of registering a
        subscriber or its service)."""
        if not partners:
            return
        assigned = self.sudo()._assign(partners)
        for collector, assignees in partners.grouped(assigned.get).items():
            if collector:
                assignees.sudo().collector_id = collector

    @api.model
    def _reassign(self, partners, collector):
        """``partners`` go to ``collector``, with their services (which follow their
        subscriber) and their open orders."""
        if not collector.active:
            raise UserError(
                self.env._(
                    "%(user)s is archived: subscribers cannot go to them.",
                    user=collector.name,
                )
            )
        partners.sudo().collector_id = collector
        orders = (
            self.env["fee.collection.order"]
            .sudo()
            .search([("partner_id", "in", partners.ids), ("state", "=", "open")])
        )
        orders.filtered(
            lambda order: order.collector_id != collector
        ).collector_id = collector

    @api.model
    def _assign(self, partners, date=None):
        """{subscriber: collector} for ``partners`` by the company's rules, absences taken
        into account: one read of the rules, of the services and of the overdue amounts."""
        date = date or fields.Date.context_today(self)
        company = self.env.company
        rules = self.search([("company_id", "=", company.id)])
        services = (
            self.env["fee.subscription"]
            .search([("partner_id", "in", partners.ids)])
            .grouped("partner_id")
        )
        overdue = (
            self.env["fee.overdue"]._get_overdue_data(date, company, partners.ids)
            if rules.filtered("min_amount")
            else {}
        )
        absences = self.env["fee.collector.absence"]._get_substitutes(date)
        collectors = self.env.ref(COLLECTOR).users
        result = {}
        for partner in partners:
            numbers = [
                service.service_number
                for service in services.get(partner, self.env["fee.subscription"])
            ]
            amount = overdue.get(partner.id, {}).get("amount", 0.0)
            collector = next(
                (
                    target
                    for rule in rules
                    if rule._matches(partner, numbers, amount)
                    and (target := rule._target(partner, services, collectors))
                ),
                partner.area_id.collector_ids[:1],
            )
            result[partner] = absences.get(collector, collector)
        return result

    def _matches(self, partner, numbers, amount):
        self.ensure_one()
        if self.area_id and self.area_id not in self._ancestors(partner):
            return False
        if self.category_id and self.category_id not in partner.category_id:
            return False
        if self.min_amount and amount < self.min_amount:
            return False
        if self.number_prefix and not any(
            number.startswith(self.number_prefix) for number in numbers
        ):
            return False
        if self.number_from and not any(
            _number_key(self.number_from)
            <= _number_key(number)
            <= _number_key(self.number_to)
            for number in numbers
        ):
            return False
        return True

    def _ancestors(self, partner):
        """The subscriber's area and every area above it, from its parent path."""
        ids = [
            int(id_) for id_ in (partner.area_id.parent_path or "").split("/") if id_
        ]
        return self.env["fee.area"].browse(ids)

    def _target(self, partner, services, collectors):
        if self.use_acquirer:
            acquirer = (
                partner.acquirer_id
                or services.get(partner, self.env["fee.subscription"]).acquirer_id[:1]
            )
            if acquirer and acquirer.active and acquirer in collectors:
                return acquirer
        return self.collector_id


class FeeCollectorAbsence(models.Model):
    """A collector away (holiday, sick leave): a substitute works their subscribers and
    receives their orders meanwhile."""

    _name = "fee.collector.absence"
    _description = "Collector Absence"
    _order = "date_from desc, id desc"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    collector_id = fields.Many2one(
        "res.users", required=True, domain="[('share', '=', False)]"
    )
    substitute_id = fields.Many2one(
        "res.users",
        required=True,
        domain="[('share', '=', False)]",
    )
    date_from = fields.Date(string="From", required=True)
    date_to = fields.Date(string="To", required=True)
    note = fields.Char()

    @api.constrains("collector_id", "substitute_id", "date_from", "date_to")
    def _check_absence(self):
        for absence in self:
            if absence.date_from > absence.date_to:
                raise ValidationError(
                    self.env._(
                        "An absence ends on or after %(date)s.",
                        date=format_date(self.env, absence.date_from),
                    )
                )
            if absence.substitute_id == absence.collector_id:
                raise ValidationError(
                    self.env._("A collector cannot substitute for themselves.")
                )
            if not absence.substitute_id.active:
                raise ValidationError(
                    self.env._(
                        "%(user)s is archived and cannot substitute.",
                        user=absence.substitute_id.name,
                    )
                )

    @api.model
    def _get_substitutes(self, date):
        """{absent collector: substitute} on ``date``."""
        return {
            absence.collector_id: absence.substitute_id
            for absence in self.search(
                [
                    ("company_id", "=", self.env.company.id),
                    ("date_from", "<=", date),
                    ("date_to", ">=", date),
                ]
            )
        }


def _number_key(number):
    """Service numbers compare as numbers when they are digits, else as text."""
    number = (number or "").strip()
    return (0, int(number), "") if number.isdigit() else (1, 0, number)
