//! One error type for every identity step, carrying what was wrong and what to do about it, so the
//! SQL face can turn it into an ERROR with a HINT without guessing.

use std::fmt;

/// A rejected input or an unusable model; `hint` tells the caller how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityError {
    pub message: String,
    pub hint: String,
}

impl IdentityError {
    pub fn new(message: impl Into<String>, hint: impl Into<String>) -> Self {
        IdentityError {
            message: message.into(),
            hint: hint.into(),
        }
    }
}

impl fmt::Display for IdentityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (hint: {})", self.message, self.hint)
    }
}

impl std::error::Error for IdentityError {}

pub type Result<T> = std::result::Result<T, IdentityError>;
