/** @odoo-module **/

import { registry } from "@web/core/registry";
import { formatDate } from "@web/core/l10n/dates";

const { DateTime } = luxon;

/**
 * A collector's morning on the phone: from the web client's start page, open Fee Collection
 * and My Orders, add the orders issued today, record a promise to pay on one order (Liu
 * Yang, 60.00 overdue) and cash taken at the door on the other (Sun Mei, 45.00), which
 * ends on the receipt. The data (both subscribers overdue, an open phone order each from a
 * dunning run) is made by test_collector_tour.py, which checks the records afterwards.
 *
 * Written for a phone's viewport: the menus are reached through the side menu and the
 * way back is the back arrow of the top bar.
 */

/** The promised date: ten days from today, as the user types dates. */
function promisedDate() {
    return formatDate(DateTime.now().plus({ days: 10 }));
}

/** Opens the side menu, goes to the Fee Collection app, then to its "My Orders" menu. */
function openMyOrders() {
    return [
        {
            content: "open the side menu",
            trigger: ".o_main_navbar .o_menu_toggle",
            run: "click",
        },
        {
            content: "show all the apps",
            trigger: ".o_app_menu_sidebar a:contains(All Apps)",
            run: "click",
        },
        {
            content: "open the Fee Collection app",
            trigger:
                '.o_app_menu_sidebar li.o_app[data-menu-xmlid="fee_collection.fee_collection_menu_root"]',
            run: "click",
        },
        {
            content: "the app's first screen is shown, the side menu closed",
            trigger: "body:not(:has(.o_app_menu_sidebar)) .o_action_manager .o_control_panel",
        },
        {
            content: "open the side menu of Fee Collection",
            trigger: ".o_main_navbar .o_menu_toggle",
            run: "click",
        },
        {
            content: "go to My Orders",
            trigger:
                '.o_app_menu_sidebar li[data-menu-xmlid="fee_collection.fee_collection_order_mine_menu"]',
            run: "click",
        },
    ];
}

/**
 * Adds the orders issued today to the worklist's filters: on a phone the search bar is
 * behind its toggle. "Issued Today" is in the same group as the default "Open", so the
 * two are or-ed (open, or issued today): both of today's orders are listed either way.
 */
function filterIssuedToday() {
    return [
        {
            content: "show the search bar",
            trigger: ".o_control_panel button:has(.fa-search)",
            run: "click",
        },
        {
            content: "open the filters",
            trigger: ".o_control_panel .o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "add the filter Issued Today",
            trigger: ".o_filter_menu .o_menu_item:contains(Issued Today)",
            run: "click",
        },
        {
            content: "the filter is applied",
            trigger: ".o_control_panel .o_searchview_facet:contains(Issued Today):not(:contains(Open))",
        },
        {
            content: "close the filters",
            trigger: ".o_control_panel .o_searchview_dropdown_toggler",
            run: "click",
        },
    ];
}

/** Goes back from an order to the worklist with the back arrow (in the top bar on a phone). */
function backToMyOrders() {
    return [
        {
            content: "back to My Orders",
            trigger: ".o_navbar_breadcrumbs .o_back_button",
            run: "click",
        },
        {
            content: "the worklist is shown again",
            trigger: ".o_kanban_view .o_kanban_record:contains(Sun Mei)",
        },
    ];
}

registry.category("web_tour.tours").add("fee_collector_tour", {
    url: "/odoo",
    steps: () => [
        ...openMyOrders(),
        ...filterIssuedToday(),
        {
            content: "My Orders lists both overdue subscribers, as cards",
            trigger:
                ".o_kanban_view:has(.o_kanban_record:contains(Sun Mei)) .o_kanban_record:contains(Liu Yang):contains(60.00)",
        },
        // A promise to pay on the first order.
        {
            content: "open the order of Liu Yang",
            trigger: ".o_kanban_view .o_kanban_record:contains(Liu Yang)",
            run: "click",
        },
        {
            content: "the order shows what is overdue",
            trigger: ".o_form_view .o_field_widget[name=amount_due]:contains(60.00)",
        },
        {
            content: "click Promise",
            trigger: ".o_form_view button[name=action_open_outcome]:contains(Promise)",
            run: "click",
        },
        {
            content: "the outcome form opens on Promise to Pay",
            trigger:
                ".modal .o_field_widget[name=outcome]:contains(Promise to Pay)",
        },
        {
            content: "the promised amount is what is overdue",
            trigger: ".modal .o_field_widget[name=promise_amount] input:value(60.00)",
        },
        {
            content: "type the date the subscriber promises",
            trigger: ".modal .o_field_widget[name=promise_date] input",
            run: `edit ${promisedDate()} && press Enter`,
        },
        {
            content: "the promised date is taken",
            trigger: `.modal .o_field_widget[name=promise_date] input:value(${promisedDate()})`,
        },
        {
            content: "note what the subscriber said",
            trigger: ".modal .o_field_widget[name=note] textarea",
            run: "edit Pays after payday",
        },
        {
            content: "record the promise",
            trigger: ".modal .modal-footer button[name=action_confirm]",
            run: "click",
        },
        {
            content: "a notification confirms the promise",
            trigger: ".o_notification:contains(Promise to Pay recorded for Liu Yang)",
        },
        {
            content: "the order shows the pending promise",
            trigger:
                "body:not(:has(.modal)) .o_form_view:has(.o_field_widget[name=outcome]:contains(Promise to Pay)) .o_field_widget[name=promise_state]:contains(Pending)",
        },
        ...backToMyOrders(),
        {
            content: "the promise shows on its card",
            trigger: ".o_kanban_view .o_kanban_record:contains(Liu Yang):contains(Promise to Pay)",
        },
        // Cash taken at the door on the second order.
        {
            content: "open the order of Sun Mei",
            trigger: ".o_kanban_view .o_kanban_record:contains(Sun Mei)",
            run: "click",
        },
        {
            content: "the order shows what is overdue",
            trigger: ".o_form_view .o_field_widget[name=amount_due]:contains(45.00)",
        },
        {
            content: "click Paid",
            trigger: ".o_form_view button[name=action_open_outcome]:contains(Paid)",
            run: "click",
        },
        {
            content: "the outcome form opens on Paid on the Spot",
            trigger:
                ".modal .o_field_widget[name=outcome]:contains(Paid on the Spot)",
        },
        {
            content: "the amount received is what is overdue",
            trigger: ".modal .o_field_widget[name=amount] input:value(45.00)",
        },
        {
            // The e-wallets come first: the collector's cash is the last of the methods.
            content: "the collector's own cash is offered, and chosen already",
            trigger:
                ".modal .o_field_widget[name=journal_id] .o_radio_item:contains(Cash of Fee Collector) input:checked",
        },
        {
            content: "pick the collector's cash",
            trigger:
                ".modal .o_field_widget[name=journal_id] .o_radio_item:contains(Cash of Fee Collector) input",
            run: "click",
        },
        {
            content: "the collector's cash is the only chosen method",
            trigger:
                ".modal .o_field_widget[name=journal_id]:not(:has(.o_radio_item:not(:contains(Cash of Fee Collector)) input:checked)) .o_radio_item:contains(Cash of Fee Collector) input:checked",
        },
        {
            content: "record the payment",
            trigger: ".modal .modal-footer button[name=action_confirm]",
            run: "click",
        },
        // The receipt.
        {
            content: "the receipt is posted",
            trigger:
                "body:not(:has(.modal)) .o_form_view .o_field_widget[name=state] .o_arrow_button_current[data-value=posted]",
        },
        {
            content: "the receipt is of 45.00 taken in the field, in the collector's cash",
            trigger:
                ".o_form_view:has(.o_field_widget[name=amount]:contains(45.00)):has(.o_field_widget[name=channel]:contains(Field)) .o_field_widget[name=journal_id]:contains(Cash of Fee Collector)",
        },
    ],
});
