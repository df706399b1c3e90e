from odoo import api, models

from ..tools import amount_in_chinese_capitals


class FeeReceiptDocument(models.AbstractModel):
    """What both layouts of the receipt print besides its fields: the amount in words."""

    _name = "report.fee_collection.receipt_document"
    _description = "Receipt Document"

    @api.model
    def _get_report_values(self, docids, data=None):
        return {
            "doc_ids": docids,
            "doc_model": "fee.receipt",
            "docs": self.env["fee.receipt"].browse(docids),
            "amount_in_words": self._amount_in_words,
        }

    @api.model
    def _amount_in_words(self, receipt):
        """In Chinese capitals (大写金额) for yuan, as Chinese receipts must write it; in
        the currency's words otherwise."""
        if receipt.currency_id.name == "CNY":
            return amount_in_chinese_capitals(receipt.amount)
        return receipt.currency_id.amount_to_text(receipt.amount)


class FeeReceiptA5Report(models.AbstractModel):
    """The A5 sheet: the receipt document on a page of a fixed size. The 80 mm roll,
    whose page is as long as its receipt, is ``fee_receipt_roll_report.py``."""

    _name = "report.fee_collection.report_fee_receipt_a5"
    _inherit = "report.fee_collection.receipt_document"
    _description = "Receipt (A5)"
