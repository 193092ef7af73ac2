//! Store column values (display names in most exports) turned into configured store ids.

use super::cells::{Cols, Row};
use super::Mapping;

/// Compared form of a store name: exports and hand-written mappings differ in case and
/// spacing ("Main St" / "main  st"), never in meaning.
fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The store id for the store column's value `value` read on `row`: the `[stores]` entry, or
/// the value itself when it has none. With `reject_unknown_stores` an unlisted value also
/// yields the error that rejects the transaction, naming the row, column and value.
pub(super) fn store_of(
    m: &Mapping,
    cols: &Cols,
    row: &Row,
    value: &str,
) -> (String, Option<String>) {
    let key = name_key(value);
    if let Some(id) = m
        .stores
        .iter()
        .find_map(|(name, id)| (name_key(name) == key).then(|| id.clone()))
    {
        return (id, None);
    }
    let error = match (&cols.store_id, m.reject_unknown_stores) {
        (Some(c), true) => Some(row.err(
            c,
            format!(
                "store `{value}` is not in the mapping's [stores] (reject_unknown_stores = \
                 true); add `\"{value}\" = \"<store id>\"`"
            ),
        )),
        _ => None,
    };
    (value.to_string(), error)
}
