"""Cash counted once typed: the methods of sessions handed over are counted, those of
open sessions once an amount was typed in. Made before the update so that the new
field is not computed as counted for every line; an open session's difference is now
that of its lines counted so far."""


def migrate(cr, version):
    cr.execute("""
        ALTER TABLE fee_cash_session_line ADD COLUMN IF NOT EXISTS is_counted boolean
    """)
    cr.execute("""
        UPDATE fee_cash_session_line line
           SET is_counted = session.state != 'open' OR line.counted_amount != 0
          FROM fee_cash_session session
         WHERE session.id = line.session_id
    """)
    cr.execute("""
        UPDATE fee_cash_session_line SET difference = 0 WHERE NOT is_counted
    """)
    cr.execute("""
        UPDATE fee_cash_session session
           SET difference = lines.difference
          FROM (SELECT session_id, SUM(difference) AS difference
                  FROM fee_cash_session_line
                 GROUP BY session_id) lines
         WHERE lines.session_id = session.id AND session.state = 'open'
    """)
