//! The messages endpoint, `POST {base}/{version}/{phone_number_id}/messages`: sends
//! (paced and retried only as a write may be), read receipts and the typing indicator,
//! and Meta's answer to a send.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::config::GraphClient;
use super::request::{excerpt, Payload};
use crate::error::GraphError;
use crate::messages::{OutboundMessage, ReadReceipt, ValidationError};
use crate::retry::RequestKind;

/// Meta's answer to a send: `{"messaging_product","contacts":[{"input","wa_id"}],
/// "messages":[{"id","message_status"?}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub struct SendMessageResponse {
    /// `whatsapp`.
    #[serde(default)]
    pub messaging_product: Option<String>,
    /// The recipient as Meta resolved it (the `wa_id` may differ from the input,
    /// e.g. Brazilian numbers without the ninth digit).
    #[serde(default)]
    pub contacts: Vec<SentContact>,
    /// The created message(s).
    #[serde(default)]
    pub messages: Vec<SentMessage>,
}

impl SendMessageResponse {
    /// The new message's `wamid`.
    pub fn wamid(&self) -> Option<&str> {
        self.messages.first().map(|m| m.id.as_str())
    }

    /// The recipient's `wa_id` as Meta resolved it (trimmed; Meta's docs show a
    /// trailing space).
    pub fn wa_id(&self) -> Option<&str> {
        self.contacts
            .first()
            .and_then(|c| c.wa_id.as_deref())
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
}

/// `contacts[]` of a send answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub struct SentContact {
    /// What was sent as `to` / `recipient`.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub input: Option<String>,
    /// The recipient's WhatsApp id.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub wa_id: Option<String>,
    /// The recipient's BSUID.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub user_id: Option<String>,
}

/// `messages[]` of a send answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SentMessage {
    /// The `wamid`.
    #[serde(deserialize_with = "crate::de::id")]
    pub id: String,
    /// `accepted`, `held_for_quality_assessment`, ... (template sends).
    #[serde(default)]
    pub message_status: Option<String>,
}

impl GraphClient {
    fn messages_url(&self) -> String {
        self.node_url(&[self.phone_number_id(), "messages"])
    }

    /// Sends a message (`POST /{phone_number_id}/messages`).
    ///
    /// The message is validated first ([`GraphError::Validation`], no request made).
    /// A timeout or a connection broken after sending gives an error whose
    /// [`GraphError::is_outcome_unknown`] is true: the message may have gone out, so
    /// it must not be replayed blindly. Send the same message again only when
    /// [`GraphError::may_resend`] is true.
    pub async fn send_message(
        &self,
        msg: &OutboundMessage,
    ) -> Result<SendMessageResponse, GraphError> {
        msg.validate()?;
        let pace_key = msg.recipient().pace_key();
        let (status, body) = self
            .execute(
                reqwest::Method::POST,
                &self.messages_url(),
                &[],
                &Payload::Json(msg.to_json()),
                RequestKind::Write,
                Some(pace_key),
            )
            .await?;
        serde_json::from_slice::<SendMessageResponse>(&body)
            .map_err(|e| GraphError::Decode {
                status,
                message: format!("send answer: {e}; body starts {}", excerpt(&body)),
            })
            .and_then(|r| {
                if r.wamid().is_none() {
                    Err(GraphError::Decode {
                        status,
                        message: format!(
                            "send answer has no messages[0].id; body starts {}",
                            excerpt(&body)
                        ),
                    })
                } else {
                    Ok(r)
                }
            })
    }

    /// Marks an inbound message (and the ones before it) as read: blue ticks.
    /// Body `{"messaging_product":"whatsapp","status":"read","message_id":wamid}`.
    pub async fn mark_read(&self, wamid: &str) -> Result<(), GraphError> {
        self.read_receipt(wamid, false).await
    }

    /// Marks as read and shows the typing indicator for up to 25 s or until the
    /// next message: as [`GraphClient::mark_read`] plus `"typing_indicator":{"type":"text"}`.
    pub async fn mark_read_with_typing(&self, wamid: &str) -> Result<(), GraphError> {
        self.read_receipt(wamid, true).await
    }

    async fn read_receipt(&self, wamid: &str, typing: bool) -> Result<(), GraphError> {
        if wamid.trim().is_empty() {
            return Err(GraphError::Validation(ValidationError::new(
                "message_id",
                "the message id to mark as read is empty",
            )));
        }
        let mut receipt = ReadReceipt::new(wamid)?;
        if typing {
            receipt = receipt.with_typing_indicator();
        }
        // A read receipt is idempotent: replaying it is harmless, so its outcome is
        // never "unknown" and it retries like a read.
        let (status, bytes) = self
            .execute(
                reqwest::Method::POST,
                &self.messages_url(),
                &[],
                &Payload::Json(receipt.to_json()),
                RequestKind::Read,
                None,
            )
            .await?;
        let v: Value = serde_json::from_slice(&bytes).map_err(|e| GraphError::Decode {
            status,
            message: format!("read receipt answer: {e}; body starts {}", excerpt(&bytes)),
        })?;
        if v.get("success").and_then(Value::as_bool) == Some(false) {
            return Err(GraphError::Decode {
                status,
                message: "Meta answered success=false to the read receipt".into(),
            });
        }
        Ok(())
    }
}
