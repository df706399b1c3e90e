from collections import Counter

from odoo import api, models
from odoo.tools import SQL


class IrSequence(models.Model):
    _inherit = "ir.sequence"

    @api.model
    def _fee_get_company_sequence(self, code, company, prepare_vals):
        """``company``'s sequence of ``code``, made on first use with the values of
        ``prepare_vals(env)`` (its name, prefix, ...), ``env`` being in the company's
        language; called only then."""
        Sequence = self.sudo()
        sequence = Sequence.search(
            [("code", "=", code), ("company_id", "=", company.id)], limit=1
        )
        return sequence or Sequence.create(
            {
                **prepare_vals(company._fee_get_lang_env()),
                "code": code,
                "company_id": company.id,
            }
        )

    @api.model
    def _fee_next_name(self, code, vals):
        """The name of a new record made of ``vals``: the next number of the sequence
        ``code`` of the record's company ("/" without one)."""
        return (
            self.with_company(
                vals.get("company_id") or self.env.company.id
            ).next_by_code(code)
            or "/"
        )

    @api.model
    def _fee_next_by_code_for_dates(self, sequence_code, dates):
        """What ``next_by_code(sequence_code, sequence_date=date)`` gives for each of
        ``dates`` in turn (False without a sequence): each date picks its date range
        when the sequence has date ranges. The daily dispatch numbers thousands of
        orders, and a sequence call each would cost a query each: the numbers of a date
        range, or of a sequence without ranges, are drawn in one query."""
        sequence = self.sudo().search(
            [
                ("code", "=", sequence_code),
                ("company_id", "in", [self.env.company.id, False]),
            ],
            order="company_id",
            limit=1,
        )
        if not sequence or len(dates) < 2:
            return [
                self.next_by_code(sequence_code, sequence_date=date) for date in dates
            ]
        return sequence._fee_next_for_dates(dates)

    def _fee_next_for_dates(self, dates):
        """What ``next_by_id(sequence_date=date)`` of this sequence gives for each of
        ``dates`` in turn, the numbers of a date range (or of a sequence without ranges)
        drawn in one query."""
        self.ensure_one()
        # The sequence itself, or the date range of each date (made when missing).
        sources = {
            date: self._get_current_sequence(date) for date in dict.fromkeys(dates)
        }
        numbers = {
            source: iter(self._fee_draw_numbers(source, count))
            for source, count in Counter(sources[date] for date in dates).items()
        }
        return [next(numbers[sources[date]]) for date in dates]

    def _fee_draw_numbers(self, source, count):
        """``count`` numbers of this sequence in one query, from ``source``: the sequence itself, or one of its date ranges, which
        has numbers of its own and gives the prefix its range dates, as
        ``ir.sequence.date_range._next`` does."""
        self.ensure_one()
        if self.use_date_range:
            sql_sequence = f"ir_sequence_{self.id:03d}_{source.id:03d}"
            prefix, suffix = self._get_prefix_suffix(date_range=source.date_from)
        else:
            sql_sequence = f"ir_sequence_{self.id:03d}"
            prefix, suffix = self._get_prefix_suffix()
        if self.implementation == "no_gap":
            # As ``_update_nogap``, for ``count`` numbers at once: the row stays locked
            # until the transaction ends, so no number is skipped nor drawn twice.
            source.flush_recordset(["number_next"])
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE %s SET number_next = number_next + %s
                     WHERE id = %s
                 RETURNING number_next - %s
                    """,
                    SQL.identifier(source._table),
                    count * self.number_increment,
                    source.id,
                    count * self.number_increment,
                )
            )
            [(first,)] = self.env.cr.fetchall()
            source.invalidate_recordset(["number_next"])
            drawn = range(
                first, first + count * self.number_increment, self.number_increment
            )
        else:
            self.env.cr.execute(
                SQL(
                    "SELECT nextval(%s) FROM generate_series(1, %s)",
                    sql_sequence,
                    count,
                )
            )
            drawn = [number for (number,) in self.env.cr.fetchall()]
        # get_next_char interpolates the prefix's date parts again for each number (a
        # dozen strftime calls each, a fifth of a 50,000-order dispatch): once is enough.
        return [f"{prefix}{number:0{self.padding}d}{suffix}" for number in drawn]
