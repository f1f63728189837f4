//! Read receipts and the typing indicator (Cloud API "Mark messages as read" and
//! "Typing indicators"), sent to `POST /{phone_number_id}/messages`.

use serde_json::{json, Value};

use super::validation::{self, ValidationError};

/// Marks an inbound message (and the ones before it) as read, optionally showing
/// the typing indicator until the next message or for at most 25 seconds.
///
/// Body: `{"messaging_product":"whatsapp","status":"read","message_id":wamid,
/// "typing_indicator"?:{"type":"text"}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadReceipt {
    message_id: String,
    typing: bool,
}

impl ReadReceipt {
    /// A read receipt for the inbound message `wamid`; errors when it is blank.
    pub fn new(wamid: impl Into<String>) -> Result<Self, ValidationError> {
        let message_id = wamid.into();
        validation::id_value("message_id", "the message id to mark as read", &message_id)?;
        Ok(Self {
            message_id,
            typing: false,
        })
    }

    /// Also shows the typing indicator (`typing_indicator: {type: text}`).
    pub fn with_typing_indicator(mut self) -> Self {
        self.typing = true;
        self
    }

    /// The request body.
    pub fn to_json(&self) -> Value {
        let mut body = json!({
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": self.message_id,
        });
        if self.typing {
            body["typing_indicator"] = json!({"type": "text"});
        }
        body
    }
}
