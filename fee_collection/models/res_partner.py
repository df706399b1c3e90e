from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import is_valid_id_number, normalize_id_number


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Subscriber file (用户档案)
    is_subscriber = fields.Boolean(string="Subscriber", index=True)
    id_number = fields.Char(
        string="ID Number", index="btree_not_null", tracking=True, copy=False,
        help="Resident identity card number (GB 11643, 18 characters, the last may be X).",
    )
    id_verified = fields.Boolean(
        string="Real-name Verified", tracking=True, copy=False,
        help="The subscriber's identity was checked against the ID card (实名制).",
    )
    mobile2 = fields.Char(string="Second Contact Phone")
    area_id = fields.Many2one("fee.area", string="Area", index=True, tracking=True)
    acquirer_id = fields.Many2one(
        "res.users", string="Acquired By", tracking=True,
        help="Who brought in this subscriber (发展人): first maintainer and collector.",
    )
    agent_id = fields.Many2one(
        "res.partner", string="Agent", domain="[('is_fee_agent', '=', True)]", tracking=True,
        help="Outlet (代办网点) through which the subscriber was acquired.",
    )
    collector_id = fields.Many2one("res.users", string="Collector", index=True, tracking=True)
    file_complete = fields.Boolean(
        string="Complete File", compute="_compute_file_complete", store=True,
        help="ID number, a phone, the service address and the area are all filled in.",
    )
    subscription_ids = fields.One2many("fee.subscription", "partner_id", string="Services")
    subscription_count = fields.Integer(compute="_compute_subscription_count")

    # Agents (代办网点)
    is_fee_agent = fields.Boolean(string="Fee Agent", index=True)

    @api.depends("id_number", "phone", "mobile", "street", "area_id")
    def _compute_file_complete(self):
        for partner in self:
            partner.file_complete = bool(
                partner.id_number
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

    @api.constrains("id_number", "is_subscriber", "company_id")
    def _check_id_number(self):
        with_number = self.filtered("id_number")
        invalid = with_number.filtered(lambda p: not is_valid_id_number(p.id_number))
        if invalid:
            raise ValidationError(self.env._(
                "Invalid ID number %(number)s for %(name)s: an ID number has 17 digits and a check "
                "character (digit or X) that must match (GB 11643).",
                number=invalid[0].id_number, name=invalid[0].display_name,
            ))
        subscribers = with_number.filtered("is_subscriber")
        if not subscribers:
            return
        duplicates = self.search([
            ("is_subscriber", "=", True),
            ("id_number", "in", subscribers.mapped("id_number")),
            ("id", "not in", subscribers.ids),
        ]) | subscribers
        seen = {}
        for partner in duplicates:
            key = (partner.company_id.id, partner.id_number)
            if key in seen:
                raise ValidationError(self.env._(
                    "ID number %(number)s is already used by subscriber %(other)s.",
                    number=partner.id_number, other=seen[key].display_name,
                ))
            seen[key] = partner

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("id_number"):
                vals["id_number"] = normalize_id_number(vals["id_number"])
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("id_number"):
            vals["id_number"] = normalize_id_number(vals["id_number"])
        return super().write(vals)

    @api.onchange("area_id")
    def _onchange_area_id(self):
        if self.area_id.collector_ids and not self.collector_id:
            self.collector_id = self.area_id.collector_ids[:1]

    def action_view_subscriptions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "fee_collection.fee_subscription_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action
