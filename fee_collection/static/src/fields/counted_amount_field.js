/** @odoo-module **/

import { useEffect } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { MonetaryField, monetaryField } from "@web/views/fields/monetary/monetary_field";

/**
 * The amount counted in a payment method of a cash session: empty until the cashier
 * types it, rather than a 0 that reads as all the money missing (the point of sale's
 * closing control counts the same way). Typing, a 0 included, marks the method counted
 * (`is_counted`), from which on its difference shows.
 */
export class CountedAmountField extends MonetaryField {
    setup() {
        super.setup();
        useEffect(
            (inputEl) => {
                if (!inputEl) {
                    return;
                }
                const markCounted = () => {
                    if (!this.props.record.data.is_counted) {
                        this.props.record.update({ is_counted: true });
                    }
                };
                inputEl.addEventListener("input", markCounted);
                return () => inputEl.removeEventListener("input", markCounted);
            },
            () => [this.inputRef.el]
        );
    }

    get formattedValue() {
        return this.props.record.data.is_counted ? super.formattedValue : "";
    }
}

export const countedAmountField = {
    ...monetaryField,
    component: CountedAmountField,
    fieldDependencies: [{ name: "is_counted", type: "boolean" }],
};

registry.category("fields").add("fee_counted_amount", countedAmountField);
