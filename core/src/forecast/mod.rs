//! forecast: filled by its own issue.
