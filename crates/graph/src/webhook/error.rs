//! `WebhookError`: an error object inside a webhook, shared by the value, its messages
//! and its statuses (a module of its own so those modules need not import each other).

use serde::{Deserialize, Serialize};

use crate::error::{classify, ErrorClass};

/// An error in a webhook (`statuses[].errors[]`, `messages[].errors[]`, `value.errors[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct WebhookError {
    /// Meta's error code (e.g. 131047).
    pub code: i64,
    /// Short title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `error_data.details` (or a top-level `details` in older payloads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// Link to Meta's error-code documentation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
}

impl WebhookError {
    /// What a sender should do about this error (see [`crate::classify`]).
    pub fn class(&self) -> ErrorClass {
        classify(self.code, None, 0, None)
    }
}

impl<'de> Deserialize<'de> for WebhookError {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct ErrorData {
            #[serde(default)]
            details: Option<String>,
        }
        #[derive(Deserialize)]
        struct Raw {
            #[serde(default, deserialize_with = "crate::de::opt_int")]
            code: Option<i64>,
            #[serde(default)]
            title: Option<String>,
            #[serde(default)]
            message: Option<String>,
            #[serde(default)]
            error_data: Option<ErrorData>,
            #[serde(default)]
            details: Option<String>,
            #[serde(default)]
            href: Option<String>,
        }
        let r = Raw::deserialize(d)?;
        Ok(WebhookError {
            code: r.code.unwrap_or(0),
            title: r.title,
            message: r.message,
            details: r.error_data.and_then(|e| e.details).or(r.details),
            href: r.href,
        })
    }
}
