from odoo import models


class FeeOverdueStatementReport(models.AbstractModel):
    """The overdue statement of a dunning run's line."""

    _name = "report.fee_collection.report_overdue_statement"
    _inherit = "report.fee_collection.subscriber_document"
    _description = "Overdue Statement"


class FeeSubscriberStatementReport(models.AbstractModel):
    """The same statement for a selection of subscribers, printed in bulk."""

    _name = "report.fee_collection.report_subscriber_statement"
    _inherit = "report.fee_collection.subscriber_document"
    _description = "Overdue Statement of Subscribers"
