from odoo import fields, models


class FeeArrearsAsOf(models.TransientModel):
    """Opens the arrears analysis or the aging as it stood at the end of a past day:
    payments and reconciliations made later are ignored."""

    _name = "fee.arrears.as.of"
    _description = "Arrears as of a Date"

    date = fields.Date(string="As of", required=True, default=fields.Date.context_today)
    report = fields.Selection(
        [("aging", "Aging"), ("analysis", "Arrears Analysis")],
        required=True,
        default="aging",
    )

    def action_open(self):
        self.ensure_one()
        # Refuses a day to come, in the user's language, before anything opens.
        self.env["fee.arrears.report"].with_context(fee_as_of=self.date)._get_as_of()
        xmlid = {
            "aging": "fee_collection.fee_arrears_report_action_aging",
            "analysis": "fee_collection.fee_arrears_report_action",
        }[self.report]
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["context"] = {"fee_as_of": fields.Date.to_string(self.date)}
        action["display_name"] = self.env._(
            "%(report)s as of %(date)s",
            report=dict(self._fields["report"]._description_selection(self.env))[
                self.report
            ],
            date=fields.Date.to_string(self.date),
        )
        return action
