"""Fields that only a workflow, or a higher role, may change.

A view's ``readonly`` is presentation: over RPC anyone with write access to a model can write
any of its fields. Models list such fields with the group allowed to write them directly
(``None``: no one, only the workflow, which writes with ``sudo()`` after its own rights check),
as ``res.users`` guards its ``SELF_WRITEABLE_FIELDS``.
"""

from odoo.exceptions import AccessError


def check_protected_fields(records, vals, protected):
    """Refuse ``vals`` (of a ``write`` on ``records``, or of a ``create`` when ``records`` is
    empty) when they change a field of ``protected`` ({field: group xmlid or None}) that the
    user may not write. Values a record already has, or a new record gets by default, pass:
    the web client sends them back unchanged."""
    env = records.env
    if env.su:
        return
    for name in protected.keys() & vals.keys():
        group = protected[name]
        if group and env.user.has_group(group):
            continue
        if not _changes(records, name, vals[name]):
            continue
        field = records._fields[name]
        description = field._description_string(env)
        model = records._description
        if group:
            raise AccessError(
                env._(
                    "Only %(group)s users may change “%(field)s” of %(model)s.",
                    group=env.ref(group).full_name,
                    field=description,
                    model=model,
                )
            )
        raise AccessError(
            env._(
                "“%(field)s” of %(model)s is set by its workflow and cannot be written "
                "directly.",
                field=description,
                model=model,
            )
        )


def _changes(records, name, value):
    field = records._fields[name]
    if not records:
        default = records.default_get([name]).get(name, False)
        return _as_record_value(records, field, value) != _as_record_value(
            records, field, default
        )
    target = _as_record_value(records[:1], field, value)
    return any(record[name] != target for record in records)


def _as_record_value(record, field, value):
    return field.convert_to_record(field.convert_to_cache(value, record), record)
