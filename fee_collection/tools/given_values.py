"""Values a client gives for editable computed fields are the ones kept."""


def keep_given_values(records, vals_list, names):
    """Write back the values of ``names`` given in ``vals_list`` (of a ``create`` that
    made ``records``) once the records' other computed fields are done. An editable
    computed field is recomputed whenever what it depends on changes after the insert
    (lines computed from the partner, say), which would replace what an RPC client or
    the form sent with the computed value: an amount asked must be the amount taken."""
    given = [
        (record, {name: vals[name] for name in names if name in vals})
        for record, vals in zip(records, vals_list, strict=True)
    ]
    if not any(values for _record, values in given):
        return
    records.flush_recordset()
    for record, values in given:
        if values:
            record.write(values)
