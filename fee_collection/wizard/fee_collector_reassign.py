from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..tools.groups import MANAGER


class FeeCollectorReassign(models.TransientModel):
    """Reassign subscribers (调整片区): by the assignment rules, or to one collector. The
    preview lists who moves; confirmed, the subscribers, their services and their open
    orders go to their new collector, and so does every later dispatch."""

    _name = "fee.collector.reassign"
    _description = "Reassign Subscribers"

    mode = fields.Selection(
        [("rules", "Apply the Assignment Rules"), ("collector", "To One Collector")],
        required=True,
        default="rules",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        string="Subscribers",
        default=lambda self: self._default_partner_ids(),
        domain="[('is_subscriber', '=', True)]",
        help="Empty: every subscriber of the areas, or of the former collector, below.",
    )
    area_ids = fields.Many2many("fee.area", string="Areas")
    from_collector_id = fields.Many2one(
        "res.users", string="Subscribers Of", domain="[('share', '=', False)]"
    )
    collector_id = fields.Many2one(
        "res.users", string="New Collector", domain="[('share', '=', False)]"
    )
    line_ids = fields.One2many(
        "fee.collector.reassign.line", "wizard_id", string="Preview", readonly=True
    )
    change_count = fields.Integer(compute="_compute_change_count")

    @api.model
    def _default_partner_ids(self):
        if self.env.context.get("active_model") == "res.partner":
            return self.env["res.partner"].browse(self.env.context.get("active_ids"))
        return self.env["res.partner"]

    @api.depends("line_ids")
    def _compute_change_count(self):
        for wizard in self:
            wizard.change_count = len(wizard.line_ids)

    def _get_partners(self):
        self.ensure_one()
        if self.partner_ids:
            return self.partner_ids
        domain = [("is_subscriber", "=", True)]
        if self.area_ids:
            domain.append(("area_id", "child_of", self.area_ids.ids))
        if self.from_collector_id:
            domain.append(("collector_id", "=", self.from_collector_id.id))
        if len(domain) == 1:
            raise UserError(
                self.env._(
                    "Choose the subscribers, their areas or their former collector."
                )
            )
        return self.env["res.partner"].search(domain)

    def action_preview(self):
        """List the subscribers whose collector changes, and to whom."""
        self.ensure_one()
        self._check_manager()
        partners = self._get_partners()
        if self.mode == "collector":
            if not self.collector_id:
                raise UserError(self.env._("Choose the new collector."))
            targets = dict.fromkeys(partners, self.collector_id)
        else:
            targets = self.env["fee.collector.rule"]._assign(partners)
        self.line_ids = [Command.clear()] + [
            Command.create(
                {
                    "partner_id": partner.id,
                    "old_collector_id": partner.collector_id.id,
                    "new_collector_id": collector.id,
                }
            )
            for partner, collector in targets.items()
            if collector != partner.collector_id
        ]
        return self._reopen()

    def action_confirm(self):
        self.ensure_one()
        self._check_manager()
        archived = self.line_ids.new_collector_id.filtered(lambda user: not user.active)
        if archived:
            raise UserError(
                self.env._(
                    "%(user)s is archived: subscribers cannot go to them.",
                    user=archived[0].name,
                )
            )
        for collector, lines in self.line_ids.grouped("new_collector_id").items():
            self.env["fee.collector.rule"]._reassign(lines.partner_id, collector)
        return {"type": "ir.actions.act_window_close"}

    def _check_manager(self):
        if not self.env.user.has_group(MANAGER):
            raise UserError(
                self.env._("Only fee collection managers reassign subscribers.")
            )

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }


class FeeCollectorReassignLine(models.TransientModel):
    _name = "fee.collector.reassign.line"
    _description = "Reassignment Preview"

    wizard_id = fields.Many2one(
        "fee.collector.reassign", required=True, ondelete="cascade"
    )
    partner_id = fields.Many2one("res.partner", string="Subscriber")
    area_id = fields.Many2one(related="partner_id.area_id")
    old_collector_id = fields.Many2one("res.users", string="Current Collector")
    new_collector_id = fields.Many2one("res.users")
