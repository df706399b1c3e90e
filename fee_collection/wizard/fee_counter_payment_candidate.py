from odoo import api, fields, models

ID_NUMBER_TAIL = 4


class FeeCounterPaymentCandidate(models.TransientModel):
    """A subscriber the counter's search found among several, with what tells namesakes
    apart: services, address, the ID number's last digits."""

    _name = "fee.counter.payment.candidate"
    _description = "Counter Payment Candidate"

    wizard_id = fields.Many2one(
        "fee.counter.payment", required=True, ondelete="cascade"
    )
    partner_id = fields.Many2one("res.partner", string="Subscriber", required=True)
    service_numbers = fields.Char(string="Services", compute="_compute_details")
    address = fields.Char(compute="_compute_details")
    id_number_tail = fields.Char(
        string="ID Number Ends With", compute="_compute_details"
    )
    chosen = fields.Boolean(string="Choose")

    @api.depends("partner_id")
    def _compute_details(self):
        for candidate in self:
            partner = candidate.partner_id
            candidate.service_numbers = ", ".join(
                partner.subscription_ids.mapped("service_number")
            )
            candidate.address = ", ".join(
                filter(None, (partner.street, partner.street2, partner.city))
            )
            candidate.id_number_tail = (partner.id_number or "")[-ID_NUMBER_TAIL:]
