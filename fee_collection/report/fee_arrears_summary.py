from odoo import models
from odoo.tools import SQL

from .fee_arrears_total import TOTAL_KEY, TOTAL_MEASURES


class FeeArrearsSummary(models.Model):
    """The arrears analysis read from its totals (``fee.arrears.total``): what
    ``fee.arrears.report`` reads by itself when all it is grouped and filtered by is
    kept there (billing month, due date, company, fee item, area, branch, arrears
    reason), thousands of rows instead of a million. The same figures: the totals of the
    items posted by the as-of date, what was settled since taken back."""

    _name = "fee.arrears.summary"
    _inherit = "fee.arrears.report"
    _description = "Arrears Analysis Totals"
    _auto = False

    def _fee_totals_answer(self, domain, groupby):
        return False

    def _rows_queries(self, as_of):
        return [
            self._totals_query(as_of),
            self._settled_since_query(as_of, by_payment=False),
        ]

    def _totals_query(self, as_of):
        age = SQL("(%s - total.date_due)", as_of)
        key = SQL(", ").join(map(SQL.identifier, TOTAL_KEY))
        return SQL(
            """
            SELECT total.id * 3 AS id,
                   total.month AS date, total.date_due, total.company_id,
                   NULL::integer AS partner_id, NULL::integer AS move_id,
                   total.product_id, NULL::integer AS subscription_id, total.area_id,
                   area.branch_id, NULL::integer AS collector_id, total.reason_id,
                   NULL::integer AS dunning_level_id,
                   %s
              FROM (
                -- Each group once: the rows appended for a change net out (their
                -- latest due date would otherwise count in the days overdue).
                SELECT MIN(id) AS id, %s, %s
                  FROM fee_arrears_total
                 WHERE date <= %s
              GROUP BY %s
                HAVING SUM(row_count) <> 0
              ) total
         LEFT JOIN fee_area area ON area.id = total.area_id
            """,
            self._columns(
                {
                    "days_overdue": SQL("GREATEST(%s, 0)", age),
                    **{
                        name: SQL.identifier("total", name)
                        for name in (
                            "billed",
                            "collected",
                            "collected_in_month",
                            "credited",
                            "written_off",
                            "recovered",
                            "row_count",
                        )
                    },
                    **self._open_measures(
                        SQL("total.open_amount"), SQL("total.unapplied"), age
                    ),
                }
            ),
            key,
            SQL(", ").join(
                SQL("SUM(%s) AS %s", SQL.identifier(name), SQL.identifier(name))
                for name in TOTAL_MEASURES
            ),
            as_of,
            key,
        )
