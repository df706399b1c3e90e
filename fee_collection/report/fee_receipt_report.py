import math

from odoo import api, models

from ..tools import amount_in_chinese_capitals

# The 80 mm roll's page, in mm, estimated from the receipt's rows of text (measured on
# the template at the paper format's 96 dpi): its fixed part (heading, subscriber, totals,
# thanks, margins), and each invoice paid, a row of padding and its rows of text, a row
# taking as many characters as fit in the first column (a Chinese character counting
# two). The printer cuts the roll at the page's end: the estimate leaves little blank.
ROLL_FIXED_HEIGHT = 100
ROLL_LINE_PADDING = 2
ROLL_ROW_HEIGHT = 4
ROLL_ROW_WIDTH = 36


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


class FeeReceiptRollReport(models.AbstractModel):
    """The 80 mm roll: one continuous page per receipt, as long as its longest
    receipt, instead of a fixed length that splits a long receipt's totals onto a
    second page."""

    _name = "report.fee_collection.report_fee_receipt"
    _inherit = "report.fee_collection.receipt_document"
    _description = "Receipt (80 mm)"

    @api.model
    def _get_report_values(self, docids, data=None):
        values = super()._get_report_values(docids, data=data)
        values["data_report_page_height"] = max(
            (self._get_page_height(receipt) for receipt in values["docs"]),
            default=ROLL_FIXED_HEIGHT,
        )
        return values

    @api.model
    def _get_page_height(self, receipt):
        """The receipt's length on the roll, in mm: an estimate, which the printing
        makes longer should the receipt not fit (``ir.actions.report``)."""
        height = ROLL_FIXED_HEIGHT
        for line in receipt.line_ids:
            texts = [line.move_id.name or "", *(line.description or "").splitlines()]
            rows = sum(
                max(math.ceil(self._text_width(text) / ROLL_ROW_WIDTH), 1)
                for text in texts
            )
            height += ROLL_LINE_PADDING + ROLL_ROW_HEIGHT * rows
        return math.ceil(height)

    @api.model
    def _text_width(self, text):
        return sum(2 if ord(character) > 0x2E7F else 1 for character in text)


class FeeReceiptA5Report(models.AbstractModel):
    _name = "report.fee_collection.report_fee_receipt_a5"
    _inherit = "report.fee_collection.receipt_document"
    _description = "Receipt (A5)"
