//! Marketing Messages API for WhatsApp (formerly "MM Lite"): marketing template sends
//! through `POST /{phone_number_id}/marketing_messages`, which Meta optimises for
//! delivery, instead of `/messages`.
//!
//! The message is an ordinary template message built with
//! [`crate::messages::OutboundMessage::template`] (and checked by the same rules); this
//! call adds the two options only this endpoint takes. The answer's
//! `messages[0].message_status` says `accepted`, `held_for_quality_assessment` or
//! `paused`. Refusals: 131049 (not delivered to keep engagement healthy), 131050 (the
//! user stopped marketing messages), 132xxx (template problems), 134100–134103
//! (the WABA is not onboarded to Marketing Messages), 130429 / 131056 (rate limits;
//! [`GraphError::may_resend`] says when it is safe to send again).

use serde::Serialize;
use serde_json::Value;

use crate::client::{excerpt, GraphClient, Payload, SendMessageResponse};
use crate::error::GraphError;
use crate::messages::{OutboundMessage, ValidationError};
use crate::retry::RequestKind;

/// `product_policy`: what Meta does when the Marketing Messages API cannot deliver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ProductPolicy {
    /// Falls back to a Cloud API send.
    CloudApiFallback,
    /// Does not fall back.
    Strict,
}

/// The options of a marketing send; none is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct MarketingOptions {
    /// `product_policy`, when set.
    pub product_policy: Option<ProductPolicy>,
    /// `message_activity_sharing`: whether Meta shares the message's activity (reads,
    /// clicks) with the business's ad tools.
    pub message_activity_sharing: Option<bool>,
}

impl MarketingOptions {
    /// No options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `product_policy`.
    pub fn product_policy(mut self, p: ProductPolicy) -> Self {
        self.product_policy = Some(p);
        self
    }

    /// Sets `message_activity_sharing`.
    pub fn message_activity_sharing(mut self, on: bool) -> Self {
        self.message_activity_sharing = Some(on);
        self
    }
}

impl GraphClient {
    /// Sends a marketing template message (`POST /{phone_number_id}/marketing_messages`).
    /// Only template messages are taken ([`GraphError::Validation`] otherwise, before any
    /// request); the send is paced and retried like [`GraphClient::send_message`], and a
    /// timeout leaves its outcome unknown in the same way.
    pub async fn send_marketing_message(
        &self,
        msg: &OutboundMessage,
        options: &MarketingOptions,
    ) -> Result<SendMessageResponse, GraphError> {
        msg.validate()?;
        if msg.template_ref().is_none() {
            return Err(GraphError::Validation(ValidationError::new(
                "type",
                format!(
                    "marketing_messages takes template messages only, not {}",
                    msg.type_name()
                ),
            )));
        }
        let mut body = msg.to_json();
        if let Some(p) = options.product_policy {
            body["product_policy"] = serde_json::to_value(p).unwrap_or(Value::Null);
        }
        if let Some(s) = options.message_activity_sharing {
            body["message_activity_sharing"] = Value::Bool(s);
        }
        let pace_key = msg.recipient().pace_key();
        let url = self.node_url(&[self.phone_number_id(), "marketing_messages"]);
        let (status, bytes) = self
            .execute(
                reqwest::Method::POST,
                &url,
                &[],
                &Payload::Json(body),
                RequestKind::Write,
                Some(pace_key),
            )
            .await?;
        let r: SendMessageResponse = Self::decode(status, &bytes, "marketing send answer")?;
        if r.wamid().is_none() {
            return Err(GraphError::Decode {
                status,
                message: format!(
                    "marketing send answer has no messages[0].id; body starts {}",
                    excerpt(&bytes)
                ),
            });
        }
        Ok(r)
    }
}
