import csv
import io
from decimal import Decimal, InvalidOperation

from odoo import api, models
from odoo.exceptions import UserError

# What a Chinese bank's return file says of a debit that went through.
CN_BATCH_PAID = "0000"


class FeeBankLayout(models.AbstractModel):
    """The banks' direct debit files (银行代扣文件): the instruction file a collection run
    sends, and the return file the bank answers with. Each layout is a code of
    ``_get_layouts`` with a ``_write_<code>`` method giving the instruction file's rows
    and a ``_read_<code>`` method reading the return file's; a module adds a bank's
    layout by adding both.

    Reading a return file checks its form only (columns, amounts, the total row) and
    raises a ``UserError`` naming the row; matching the rows to the run's lines is the
    run's."""

    _name = "fee.bank.layout"
    _description = "Bank Direct Debit File Layout"

    @api.model
    def _get_layouts(self):
        return [
            ("generic", self.env._("Generic CSV")),
            ("cn_batch", self.env._("Chinese bank batch (header and total rows)")),
        ]

    @api.model
    def _get_encoding(self, layout):
        """Chinese banks' systems read and write GB18030 (a superset of GBK that spells
        every name); the generic file is UTF-8, with a mark that spreadsheets read."""
        return "gb18030" if layout == "cn_batch" else "utf-8-sig"

    # ------------------------------------------------------------------
    # Instruction file
    # ------------------------------------------------------------------

    @api.model
    def _write_instruction_file(self, collection):
        """The instruction file of ``collection`` in its layout, as bytes."""
        rows = getattr(self, f"_write_{collection.layout}")(collection)
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        return buffer.getvalue().encode(self._get_encoding(collection.layout))

    @api.model
    def _write_generic(self, collection):
        """A header row naming the columns, then a row per subscriber to debit."""
        currency = collection.currency_id
        date = collection.date.isoformat()
        return [
            ["reference", "mandate", "account", "holder", "amount", "currency", "date"],
            *(
                [
                    line.reference,
                    line.mandate_id.name,
                    line.acc_number,
                    line.holder_name,
                    self._format_decimal(line.amount, currency),
                    currency.name,
                    date,
                ]
                for line in collection.line_ids
            ),
        ]

    @api.model
    def _write_cn_batch(self, collection):
        """H (the run, its debit date, the company, the currency), a D row per subscriber
        (its number in the file, the line, the mandate, the account, its holder, the
        amount in fen), T (the rows and their total in fen)."""
        lines = collection.line_ids
        currency = collection.currency_id
        return [
            [
                "H",
                collection.name,
                collection.date.strftime("%Y%m%d"),
                collection.company_id.name,
                currency.name,
            ],
            *(
                [
                    "D",
                    str(line.sequence),
                    line.reference,
                    line.mandate_id.name,
                    line.acc_number,
                    line.holder_name,
                    str(self._to_cents(line.amount, currency)),
                ]
                for line in lines
            ),
            [
                "T",
                str(len(lines)),
                str(sum(self._to_cents(line.amount, currency) for line in lines)),
            ],
        ]

    # ------------------------------------------------------------------
    # Return file
    # ------------------------------------------------------------------

    @api.model
    def _read_return_file(self, collection, data):
        """The rows of the bank's return file ``data`` for ``collection``: a list of
        {row, reference, mandate, amount, paid, reason_code, reason}, ``row`` being
        the line of the file."""
        try:
            text = data.decode(self._get_encoding(collection.layout))
        except UnicodeDecodeError as error:
            raise UserError(
                self.env._(
                    "The file is not a text file in %(encoding)s, the encoding of this "
                    "bank's files.",
                    encoding=self._get_encoding(collection.layout).upper(),
                )
            ) from error
        table = [
            (number, [cell.strip() for cell in row])
            for number, row in enumerate(csv.reader(io.StringIO(text)), start=1)
            if any(cell.strip() for cell in row)
        ]
        if not table:
            raise UserError(self.env._("The file is empty."))
        rows = getattr(self, f"_read_{collection.layout}")(collection, table)
        if not rows:
            raise UserError(self.env._("The file has no debit row."))
        return rows

    @api.model
    def _read_generic(self, collection, table):
        """A header row naming the columns (in any order): reference, mandate, amount,
        status (paid or failed), reason_code, reason."""
        (_number, header), *body = table
        columns = {name.lower(): index for index, name in enumerate(header)}
        required = ("reference", "mandate", "amount", "status")
        missing = [name for name in required if name not in columns]
        if missing:
            raise UserError(
                self.env._(
                    "Row 1: the file's header lacks the columns %(columns)s.",
                    columns=", ".join(missing),
                )
            )
        rows = []
        for number, cells in body:
            if len(cells) < len(header):
                raise UserError(
                    self.env._(
                        "Row %(row)s: %(count)s cells where the header names %(columns)s.",
                        row=number,
                        count=len(cells),
                        columns=len(header),
                    )
                )

            def cell(name, cells=cells):
                index = columns.get(name)
                return cells[index] if index is not None else ""

            status = cell("status").lower()
            if status not in ("paid", "failed"):
                raise UserError(
                    self.env._(
                        "Row %(row)s: the status is “%(status)s”, not paid or failed.",
                        row=number,
                        status=cell("status"),
                    )
                )
            rows.append(
                self._return_row(
                    number,
                    reference=cell("reference"),
                    mandate=cell("mandate"),
                    amount=self._parse_decimal(
                        number, cell("amount"), collection.currency_id
                    ),
                    paid=status == "paid",
                    reason_code=cell("reason_code"),
                    reason=cell("reason"),
                )
            )
        return rows

    @api.model
    def _read_cn_batch(self, collection, table):
        """H (the run, the debit date), a D row per debit (its number, the line, the
        mandate, the account, the holder, the amount in fen, the result code, 0000 when
        paid, and its text), T (the rows, their total, the rows paid and their total,
        amounts in fen)."""
        currency = collection.currency_id
        (first, header), *body = table
        if header[0] != "H" or len(header) < 2:
            raise UserError(
                self.env._(
                    "Row %(row)s: the file begins with its header row (H).", row=first
                )
            )
        if header[1] != collection.name:
            raise UserError(
                self.env._(
                    "Row %(row)s: the file answers run %(file_run)s, not %(run)s.",
                    row=first,
                    file_run=header[1],
                    run=collection.name,
                )
            )
        if not body or body[-1][1][0] != "T":
            raise UserError(
                self.env._("The file's last row is not its total row (T): incomplete?")
            )
        (last, total), body = body[-1], body[:-1]
        rows = []
        for number, cells in body:
            if cells[0] != "D" or len(cells) < 8:
                raise UserError(
                    self.env._(
                        "Row %(row)s: not a debit row (D with at least 8 cells).",
                        row=number,
                    )
                )
            code = cells[7]
            rows.append(
                self._return_row(
                    number,
                    reference=cells[2],
                    mandate=cells[3],
                    amount=self._parse_cents(number, cells[6], currency),
                    paid=code == CN_BATCH_PAID,
                    reason_code="" if code == CN_BATCH_PAID else code,
                    reason=cells[8] if len(cells) > 8 and code != CN_BATCH_PAID else "",
                )
            )
        self._check_cn_batch_total(last, total, rows, currency)
        return rows

    @api.model
    def _check_cn_batch_total(self, number, total, rows, currency):
        """The total row counts and adds up the debit rows, and those paid: a file cut
        short or edited by hand does not."""
        if len(total) < 5:
            raise UserError(
                self.env._(
                    "Row %(row)s: the total row (T) gives the rows, their total, the rows "
                    "paid and their total.",
                    row=number,
                )
            )
        paid = [row for row in rows if row["paid"]]
        expected = (
            len(rows),
            sum(self._to_cents(row["amount"], currency) for row in rows),
            len(paid),
            sum(self._to_cents(row["amount"], currency) for row in paid),
        )
        given = tuple(self._parse_integer(number, cell) for cell in total[1:5])
        if given != expected:
            raise UserError(
                self.env._(
                    "Row %(row)s: the total row says %(count)s rows for %(amount)s, "
                    "%(paid_count)s paid for %(paid_amount)s; the file has %(real_count)s "
                    "rows for %(real_amount)s, %(real_paid_count)s paid for "
                    "%(real_paid_amount)s. The file is incomplete or was changed.",
                    row=number,
                    count=given[0],
                    amount=self._format_cents(given[1], currency),
                    paid_count=given[2],
                    paid_amount=self._format_cents(given[3], currency),
                    real_count=expected[0],
                    real_amount=self._format_cents(expected[1], currency),
                    real_paid_count=expected[2],
                    real_paid_amount=self._format_cents(expected[3], currency),
                )
            )

    # ------------------------------------------------------------------
    # Cells
    # ------------------------------------------------------------------

    @api.model
    def _return_row(self, number, **values):
        if not values["reference"] and not values["mandate"]:
            raise UserError(
                self.env._(
                    "Row %(row)s: neither the line's reference nor the mandate is given.",
                    row=number,
                )
            )
        return {"row": number, **values}

    @api.model
    def _format_decimal(self, amount, currency):
        return f"{currency.round(amount):.{currency.decimal_places}f}"

    @api.model
    def _to_cents(self, amount, currency):
        """An amount in the currency's smallest unit (fen for yuan)."""
        return round(currency.round(amount) * 10**currency.decimal_places)

    @api.model
    def _format_cents(self, cents, currency):
        return self._format_decimal(cents / 10**currency.decimal_places, currency)

    @api.model
    def _parse_decimal(self, number, text, currency):
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if (
            value is None
            or not value.is_finite()
            or value <= 0
            or value.as_tuple().exponent < -currency.decimal_places
        ):
            raise self._not_an_amount(number, text)
        return float(value)

    @api.model
    def _parse_cents(self, number, text, currency):
        cents = self._parse_integer(number, text)
        if cents <= 0:
            raise self._not_an_amount(number, text)
        return cents / 10**currency.decimal_places

    @api.model
    def _not_an_amount(self, number, text):
        return UserError(
            self.env._(
                "Row %(row)s: “%(amount)s” is not an amount of money.",
                row=number,
                amount=text,
            )
        )

    @api.model
    def _parse_integer(self, number, text):
        if not text.isdigit() or not text.isascii():
            raise UserError(
                self.env._(
                    "Row %(row)s: “%(value)s” is not a whole number.",
                    row=number,
                    value=text,
                )
            )
        return int(text)
