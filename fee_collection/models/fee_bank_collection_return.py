import hashlib

from odoo import Command, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount, format_date


class FeeBankCollection(models.Model):
    """The bank's return file of a debit run: every row matched to a debit, the paid
    ones booked through the batch path of the collection, the failed ones kept with the
    bank's reason, all or nothing; a file imported before is refused."""

    _inherit = "fee.bank.collection"

    def _import_return_file(self, data, file_name=None):
        """Book the bank's answer ``data`` (the return file's bytes): the debits paid
        become receipts, in one batch, the failed ones are marked with the bank's
        reason. All or nothing: a row that matches no debit of the run, an amount other
        than the one instructed, a malformed row or a wrong total row refuses the whole
        file. Lines already settled are skipped, a file imported before is refused.
        Returns {paid, amount_paid, failed, skipped}."""
        self.ensure_one()
        self.check_access("write")
        self._lock()
        file_name = file_name or self.env._("Return file")
        self._check_not_imported(data, file_name)
        self._check_state("exported", "partial")
        rows = self.env["fee.bank.layout"]._read_return_file(self, data)
        matched = self._match_return_rows(rows)
        to_pay = [
            (row, line) for row, line in matched if row["paid"] and line.state != "paid"
        ]
        to_fail = [
            (row, line)
            for row, line in matched
            if not row["paid"] and line.state == "pending"
        ]
        receipts = self._book_debits(to_pay)
        for (_row, line), receipt in zip(to_pay, receipts, strict=True):
            line.sudo().write(
                {
                    "state": "paid",
                    "receipt_id": receipt.id,
                    "reason_code": False,
                    "reason": False,
                }
            )
        for row, line in to_fail:
            line.sudo().write(
                {
                    "state": "failed",
                    "reason_code": row["reason_code"] or False,
                    "reason": row["reason"] or False,
                }
            )
        attachment = self.env["ir.attachment"].create(
            {
                "name": file_name,
                "raw": data,
                "res_model": self._name,
                "res_id": self.id,
                "mimetype": "text/csv",
            }
        )
        pending = self.line_ids.filtered(lambda line: line.state == "pending")
        self.sudo().write(
            {
                "return_attachment_ids": [Command.link(attachment.id)],
                "state": "partial" if pending else "done",
            }
        )
        summary = {
            "paid": len(to_pay),
            "amount_paid": self.currency_id.round(
                sum(line.amount for _row, line in to_pay)
            ),
            "failed": len(to_fail),
            "skipped": len(matched) - len(to_pay) - len(to_fail),
        }
        self.message_post(
            body=self._get_return_message(file_name, summary),
            attachment_ids=attachment.ids,
            subtype_xmlid="mail.mt_note",
        )
        return summary

    def _check_not_imported(self, data, file_name):
        """Refuse a return file imported before, into this run or another."""
        checksum = hashlib.sha1(data).hexdigest()
        runs = (
            self.sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("company_id", "=", self.company_id.id),
                    ("return_attachment_ids.checksum", "=", checksum),
                ],
                limit=1,
            )
        )
        if runs:
            attachment = runs.return_attachment_ids.filtered(
                lambda a: a.checksum == checksum
            )[:1]
            raise UserError(
                self.env._(
                    "%(file)s was imported into %(run)s on %(date)s already: nothing "
                    "was posted.",
                    file=file_name,
                    run=runs.name,
                    date=format_date(self.env, attachment.create_date),
                )
            )

    def _match_return_rows(self, rows):
        """[(row, line)]: each row of the return file with the run's line it answers,
        by the line's reference (or the mandate's, when the bank gives only that). A
        row for no line, for another mandate, twice or for another amount than the
        one instructed is refused, naming the row."""
        self.ensure_one()
        lines = self.line_ids
        by_reference = {line.reference: line for line in lines}
        by_mandate = {line.mandate_id.name: line for line in lines}
        currency = self.currency_id
        seen = set()
        matched = []
        for row in rows:
            line = (
                by_reference.get(row["reference"])
                if row["reference"]
                else by_mandate.get(row["mandate"])
            )
            if not line:
                raise UserError(
                    self.env._(
                        "Row %(row)s: %(reference)s is not a debit of %(run)s: unknown "
                        "mandate or line. Nothing was posted.",
                        row=row["row"],
                        reference=row["reference"] or row["mandate"],
                        run=self.name,
                    )
                )
            if row["mandate"] and row["mandate"] != line.mandate_id.name:
                raise UserError(
                    self.env._(
                        "Row %(row)s: debit %(reference)s is of mandate %(expected)s, "
                        "not of %(mandate)s: unknown mandate. Nothing was posted.",
                        row=row["row"],
                        reference=line.reference,
                        expected=line.mandate_id.name,
                        mandate=row["mandate"],
                    )
                )
            if line in seen:
                raise UserError(
                    self.env._(
                        "Row %(row)s: debit %(reference)s is answered twice in the "
                        "file. Nothing was posted.",
                        row=row["row"],
                        reference=line.reference,
                    )
                )
            seen.add(line)
            if currency.compare_amounts(row["amount"], line.amount):
                raise UserError(
                    self.env._(
                        "Row %(row)s: %(amount)s for debit %(reference)s, where the run "
                        "instructed %(instructed)s. Nothing was posted.",
                        row=row["row"],
                        amount=format_amount(self.env, row["amount"], currency),
                        reference=line.reference,
                        instructed=format_amount(self.env, line.amount, currency),
                    )
                )
            matched.append((row, line))
        return matched

    def _book_debits(self, debits):
        """The receipts of ``debits`` ([(row, line)] of the return file), paid into the
        run's bank journal on the debit date (today at the latest), by the one batch
        path money is taken through, with the importing user's rights: all, or none;
        an error names the file's row."""
        self.ensure_one()
        if not debits:
            return self.env["fee.receipt"]
        date = min(self.date, fields.Date.context_today(self))
        return (
            self.env["res.partner"]
            .with_company(self.company_id)
            ._fee_collect_batch(
                [
                    {
                        "partner": line.partner_id,
                        "amount": line.amount,
                        "journal": self.journal_id,
                        "date": date,
                        "user": self.env.user,
                        "row": row["row"],
                    }
                    for row, line in debits
                ],
                channel="bank",
            )
        )

    def _get_return_message(self, file_name, summary):
        return self.env._(
            "Return file %(file)s: %(paid)s debits paid (%(amount)s), %(failed)s "
            "failed, %(skipped)s settled before.",
            file=file_name,
            paid=summary["paid"],
            amount=format_amount(self.env, summary["amount_paid"], self.currency_id),
            failed=summary["failed"],
            skipped=summary["skipped"],
        )
