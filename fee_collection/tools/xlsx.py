"""Excel tables as management reads them: a title, a subtitle, a header row frozen
above the rows, money and percent formats, and a total row."""

import io

import xlsxwriter

MONEY = "money"
PERCENT = "percent"
INTEGER = "integer"
TEXT = "text"


class Workbook:
    """An xlsxwriter workbook in memory, whose sheets are tables."""

    def __init__(self):
        self._buffer = io.BytesIO()
        # Text is written as text: a name such as "=HYPERLINK(...)" or "http://..."
        # stays what it is rather than becoming a formula or a link.
        self._book = xlsxwriter.Workbook(
            self._buffer,
            {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
        )
        add = self._book.add_format
        self._title = add({"bold": True, "font_size": 14})
        self._header = add(
            {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True}
        )
        self._formats = {
            MONEY: add({"num_format": "#,##0.00"}),
            PERCENT: add({"num_format": "0.00%"}),
            INTEGER: add({"num_format": "0"}),
            TEXT: None,
        }
        self._total_formats = {
            MONEY: add({"num_format": "#,##0.00", "bold": True, "top": 1}),
            PERCENT: add({"num_format": "0.00%", "bold": True, "top": 1}),
            INTEGER: add({"num_format": "0", "bold": True, "top": 1}),
            TEXT: add({"bold": True, "top": 1}),
        }

    def add_table(self, name, title, subtitle, columns, rows, *, total=None):
        """A sheet ``name``: ``columns`` are (header, kind) pairs, ``rows`` lists of
        values (None for an empty cell, (value, kind) for a cell of another kind than
        its column's), ``total`` the total row's values or None."""
        sheet = self._book.add_worksheet(name[:31])
        sheet.write(0, 0, title, self._title)
        sheet.write(1, 0, subtitle)
        sheet.write_row(3, 0, [header for header, _kind in columns], self._header)
        for index, row in enumerate(rows, start=4):
            self._write_row(sheet, index, row, columns, self._formats)
        if total is not None:
            self._write_row(sheet, 4 + len(rows), total, columns, self._total_formats)
        sheet.freeze_panes(4, 1)
        sheet.set_column(0, 0, 22)
        sheet.set_column(1, max(len(columns) - 1, 1), 14)
        return sheet

    def _write_row(self, sheet, index, row, columns, formats):
        for column, (value, (_header, kind)) in enumerate(
            zip(row, columns, strict=True)
        ):
            if isinstance(value, tuple):  # a cell of its own kind: (value, kind)
                value, kind = value
            if value is None or value is False:
                sheet.write_blank(index, column, None, formats[kind])
            else:
                sheet.write(index, column, value, formats[kind])

    def close(self):
        """The file's bytes."""
        self._book.close()
        return self._buffer.getvalue()
