"""Numbers PostgreSQL and the ORM can store, checked before they reach them."""

import math

from odoo.exceptions import ValidationError

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def check_integer_range(model, vals_list):
    """Refuse integer values beyond PostgreSQL's ``integer`` in ``vals_list`` (of a create
    or write on ``model``): the database would refuse them with an error no user can
    read, before any constraint of the model runs."""
    for vals in vals_list:
        for name, value in vals.items():
            field = model._fields.get(name)
            if (
                field is not None
                and field.type == "integer"
                and isinstance(value, int)
                and not INT32_MIN <= value <= INT32_MAX
            ):
                raise ValidationError(
                    model.env._(
                        "%(value)s is not a possible value for “%(field)s”.",
                        value=value,
                        field=field._description_string(model.env),
                    )
                )


def check_finite_numbers(model, vals_list):
    """Refuse NaN and infinite values of float and monetary fields in ``vals_list`` (of a
    create or write on ``model``): JSON-RPC clients may send them, and rounding them to
    the currency fails with an error no user can read."""
    for vals in vals_list:
        for name, value in vals.items():
            field = model._fields.get(name)
            if (
                field is not None
                and field.type in ("float", "monetary")
                and isinstance(value, float)
                and not math.isfinite(value)
            ):
                raise ValidationError(
                    model.env._(
                        "%(value)s is not a possible value for “%(field)s”.",
                        value=value,
                        field=field._description_string(model.env),
                    )
                )
