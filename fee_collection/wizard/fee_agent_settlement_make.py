from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date


class FeeAgentSettlementMake(models.TransientModel):
    """Settle agent outlets now, up to a day, besides the daily job that settles them at
    the end of their week or month: one settlement each that has something to settle.
    Running it again for the same day makes nothing more."""

    _name = "fee.agent.settlement.make"
    _description = "Settle Agents"

    agent_ids = fields.Many2many(
        "res.partner",
        string="Agents",
        required=True,
        default=lambda self: self._default_agent_ids(),
        domain="[('is_fee_agent', '=', True), ('agent_state', '!=', 'closed')]",
    )
    date_to = fields.Date(
        string="Up To",
        required=True,
        default=lambda self: self._default_date_to(),
        help="The receipts taken up to this day, included, are settled.",
    )

    @api.model
    def _default_agent_ids(self):
        """The agents chosen in their list, or every outlet of the company that
        collects."""
        Partner = self.env["res.partner"]
        if self.env.context.get("active_model") == "res.partner":
            return Partner.browse(self.env.context.get("active_ids")).filtered(
                lambda agent: agent.is_fee_agent and agent.agent_state != "closed"
            )
        return Partner.search(
            [
                ("is_fee_agent", "=", True),
                ("agent_state", "in", ("active", "blocked")),
                ("company_id", "in", (self.env.company.id, False)),
            ]
        )

    @api.model
    def _default_date_to(self):
        return fields.Date.context_today(self) - relativedelta(days=1)

    def action_confirm(self):
        self.ensure_one()
        settlements = self.env["fee.agent.settlement"]._fee_generate(
            self.agent_ids, self.date_to
        )
        if not settlements:
            raise UserError(
                self.env._(
                    "Nothing to settle up to %(date)s: these agents have no receipt "
                    "that a settlement has not taken yet.",
                    date=format_date(self.env, self.date_to),
                )
            )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "fee_collection.fee_agent_settlement_action"
        )
        if len(settlements) == 1:
            action.update(
                view_mode="form", views=[(False, "form")], res_id=settlements.id
            )
        else:
            action["domain"] = [("id", "in", settlements.ids)]
        return action
