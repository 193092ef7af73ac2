//! fraud: filled by its own issue.
