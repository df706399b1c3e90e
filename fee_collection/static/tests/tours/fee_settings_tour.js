/** @odoo-module **/

import { registry } from "@web/core/registry";

/**
 * A fee collection manager, not an Odoo administrator, changes the late fee a day in
 * Fee Collection › Configuration › Settings, saves it from the control panel as Odoo's
 * settings are saved, reloads the page and reads it back. test_settings.py sets the
 * company's rate to 0.03% a day before, and checks the company's 0.05% after.
 */
registry.category("web_tour.tours").add("fee_settings_tour", {
    url: "/odoo/action-fee_collection.fee_settings_action",
    steps: () => [
        {
            content: "the settings are titled Settings",
            trigger: ".o_control_panel .o_breadcrumb:contains(Settings):not(:contains(New))",
        },
        {
            content: "the late fee a day is the company's",
            trigger: ".o_setting_box .o_field_widget[name=late_fee_daily_rate] input:value(0.03)",
        },
        {
            content: "type a late fee of 0.05% a day",
            trigger: ".o_setting_box .o_field_widget[name=late_fee_daily_rate] input",
            run: "edit 0.05 && press Tab",
        },
        {
            content: "the change is not saved yet",
            trigger: ".o_control_panel .o_dirty_warning",
        },
        {
            content: "save, from the control panel",
            trigger: ".o_control_panel .o_form_button_save",
            run: "click",
        },
        {
            content: "saved: the settings are read again from the company",
            trigger:
                ".o_control_panel:not(:has(.o_dirty_warning)) ~ * .o_field_widget[name=late_fee_daily_rate] input:value(0.05)",
        },
        {
            content: "reload the page",
            trigger: ".o_setting_box .o_field_widget[name=late_fee_daily_rate]",
            run() {
                window.location.reload();
            },
        },
        {
            content: "after the reload, the late fee a day is the one saved",
            trigger:
                ".o_setting_box .o_field_widget[name=late_fee_daily_rate] input:value(0.05)",
        },
    ],
});
