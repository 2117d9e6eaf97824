//! One file per fixed bug in `tests/regression/`, each named after what broke. Inputs found by
//! the fuzzers (fuzz/README.md) are kept here once fixed.
#![cfg(not(target_arch = "wasm32"))] // native suite; the wasm one is tests/wasm.rs

#[path = "regression/max_record_bytes_whole_record.rs"]
mod max_record_bytes_whole_record;
#[path = "regression/unflatten_deep_key.rs"]
mod unflatten_deep_key;
#[path = "regression/resync_budget_chunking.rs"]
mod resync_budget_chunking;
#[path = "regression/gzip_many_members.rs"]
mod gzip_many_members;
#[path = "regression/overflow_inside_indexed_array.rs"]
mod overflow_inside_indexed_array;
#[path = "regression/unflatten_root_stays_an_object.rs"]
mod unflatten_root_stays_an_object;
#[path = "regression/records_tail.rs"]
mod records_tail;
#[path = "regression/lone_surrogate_keys.rs"]
mod lone_surrogate_keys;
#[path = "regression/digit_separator.rs"]
mod digit_separator;
#[path = "regression/duplicate_members.rs"]
mod duplicate_members;
#[path = "regression/accounting_chunkings.rs"]
mod accounting_chunkings;
#[path = "regression/gzip_checksums.rs"]
mod gzip_checksums;
#[path = "regression/bom_split.rs"]
mod bom_split;
#[path = "regression/vanishing_objects.rs"]
mod vanishing_objects;
#[path = "regression/double_gzip_bounded.rs"]
mod double_gzip_bounded;
#[path = "regression/format_shape.rs"]
mod format_shape;
#[path = "regression/refused_and_dropped.rs"]
mod refused_and_dropped;
#[path = "regression/gzip_error_order.rs"]
mod gzip_error_order;
#[path = "regression/nested_unit_budget.rs"]
mod nested_unit_budget;
#[path = "regression/wrapper_first_key.rs"]
mod wrapper_first_key;
