//! sku: filled by its own issue.
