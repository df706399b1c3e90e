from odoo import models


class FeeDunningLetterReport(models.AbstractModel):
    """The dunning letter of a dunning run's line."""

    _name = "report.fee_collection.report_dunning_letter"
    _inherit = "report.fee_collection.subscriber_document"
    _description = "Dunning Letter"


class FeeSubscriberLetterReport(models.AbstractModel):
    """The same letter for a selection of subscribers, printed in bulk."""

    _name = "report.fee_collection.report_subscriber_letter"
    _inherit = "report.fee_collection.subscriber_document"
    _description = "Dunning Letter of Subscribers"
