//! identity: filled by its own issue.
