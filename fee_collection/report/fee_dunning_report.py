from odoo import api, fields, models


class FeeSubscriberDocument(models.AbstractModel):
    """What the dunning letters and statements show of each subscriber: its invoices
    open on the day they are printed, late-fee invoices included, read as a system step
    (collectors print letters but cannot read invoices), for subscribers the user may
    work on only."""

    _name = "report.fee_collection.subscriber_document"
    _description = "Subscriber Letters and Statements"

    @api.model
    def _get_report_values(self, docids, data=None):
        report = self.env["ir.actions.report"]._get_report_from_name(
            self._name.removeprefix("report.")
        )
        docs = self.env[report.model].browse(docids)
        # The invoices are read with full rights: only once the user is known to be
        # allowed to work on these subscribers, and only those of the user's companies.
        docs.check_access("read")
        partners = (
            docs.partner_id if report.model == "fee.dunning.line" else docs
        ).commercial_partner_id
        partners._fee_check_workable()
        invoices = (
            partners.sudo()
            ._fee_get_open_invoices()
            .filtered(lambda move: move.company_id in self.env.companies)
        )
        by_partner = invoices.grouped("commercial_partner_id")
        return {
            "doc_ids": docids,
            "doc_model": report.model,
            "docs": docs,
            "today": fields.Date.context_today(self),
            "open_invoices": lambda partner: by_partner.get(
                partner.commercial_partner_id, invoices.browse()
            ).with_context(lang=partner.lang),
        }


class FeeDunningLetterReport(models.AbstractModel):
    _name = "report.fee_collection.report_dunning_letter"
    _inherit = "report.fee_collection.subscriber_document"
    _description = "Dunning Letter"


class FeeSubscriberLetterReport(models.AbstractModel):
    _name = "report.fee_collection.report_subscriber_letter"
    _inherit = "report.fee_collection.subscriber_document"
    _description = "Dunning Letter of Subscribers"


class FeeOverdueStatementReport(models.AbstractModel):
    _name = "report.fee_collection.report_overdue_statement"
    _inherit = "report.fee_collection.subscriber_document"
    _description = "Overdue Statement"


class FeeSubscriberStatementReport(models.AbstractModel):
    _name = "report.fee_collection.report_subscriber_statement"
    _inherit = "report.fee_collection.subscriber_document"
    _description = "Overdue Statement of Subscribers"
