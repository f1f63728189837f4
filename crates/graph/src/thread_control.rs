//! Conversation Routing's thread control (`POST /{phone_number_id}/thread_control`):
//! pass, take or release the thread of one customer on a number several apps share.
//!
//! WhatsApp has **one** endpoint whose `action` says what to do, not the three edges
//! of Messenger's older handover protocol (`/pass_thread_control`,
//! `/take_thread_control`, `/release_thread_control`); the body follows Meta's
//! "Conversation Routing" pages and the "Thread Control (Cloud API)" reference:
//!
//! ```json
//! {"messaging_product": "whatsapp", "to": "15550000001", "action": "pass",
//!  "metadata": "order #1042", "control_pass": {"target_role": "ai_agent"}}
//! ```
//!
//! - `pass`: the current owner hands the thread to the escalation partner (no
//!   `control_pass`) or to Meta Business Agent (`control_pass.target_role` =
//!   `ai_agent`); the new owner gets a `messaging_handovers` `control_passed` webhook
//!   ([`crate::webhook::MessagingHandoversValue`]).
//! - `take`: only the configured escalation partner may take a thread from its owner;
//!   the previous owner gets `control_taken`. Sending a service message on a thread one
//!   does not own takes it too, for the escalation partner.
//! - `release`: the owner gives the thread up; no webhook, the customer's next
//!   message is routed by its entry point.
//!
//! The customer is a phone number (sent as `to`) or a business-scoped user id (sent as
//! `recipient`), as for messages ([`Recipient`]). `metadata` is free text of at most
//! 2000 characters, forwarded verbatim to the app that receives the thread.
//!
//! Meta answers `{"messaging_product": "whatsapp"}` (other fields kept in
//! [`ThreadControlResponse::extra`]). Refusals are [`GraphError::Api`]: 2494191
//! (`take` by an app that is not the escalation partner, or an action on a thread the
//! app does not own; [`crate::ErrorClass::Permission`]), 100 (invalid parameter), 200
//! and 10 (the business has not accepted the Meta Business Agents and Platform terms,
//! or the token lacks `whatsapp_business_messaging`), 4 and 613 (rate limits).

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::client::GraphClient;
use crate::error::GraphError;
use crate::messages::{char_count, Recipient, ValidationError};

/// The longest `metadata` Meta takes, in characters.
pub const THREAD_CONTROL_METADATA_MAX_CHARS: usize = 2000;

/// What a thread control request does (`action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ThreadAction {
    /// `pass`: hand the thread this app owns to the escalation partner or to Meta
    /// Business Agent ([`ThreadControl::to_ai_agent`]).
    Pass,
    /// `take`: take the thread from its owner (the escalation partner only).
    Take,
    /// `release`: give the thread up; routing picks the next owner.
    Release,
}

/// The body of `POST /{phone_number_id}/thread_control`: built by [`ThreadControl::pass`],
/// [`ThreadControl::take`] or [`ThreadControl::release`], with optional
/// [`ThreadControl::metadata`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ThreadControl {
    recipient: Recipient,
    action: ThreadAction,
    metadata: Option<String>,
    target_role: Option<String>,
}

impl ThreadControl {
    fn new(recipient: impl Into<Recipient>, action: ThreadAction) -> Result<Self, ValidationError> {
        let recipient = recipient.into();
        recipient.validate()?;
        Ok(Self {
            recipient,
            action,
            metadata: None,
            target_role: None,
        })
    }

    /// `pass` the thread of `recipient` (a phone number or BSUID) to the escalation
    /// partner. Refused when the recipient is malformed.
    pub fn pass(recipient: impl Into<Recipient>) -> Result<Self, ValidationError> {
        Self::new(recipient, ThreadAction::Pass)
    }

    /// `take` the thread of `recipient` from its owner.
    pub fn take(recipient: impl Into<Recipient>) -> Result<Self, ValidationError> {
        Self::new(recipient, ThreadAction::Take)
    }

    /// `release` the thread of `recipient`.
    pub fn release(recipient: impl Into<Recipient>) -> Result<Self, ValidationError> {
        Self::new(recipient, ThreadAction::Release)
    }

    /// Passes to Meta Business Agent instead of the escalation partner
    /// (`control_pass: {"target_role": "ai_agent"}`); only for `pass`.
    pub fn to_ai_agent(mut self) -> Result<Self, ValidationError> {
        if self.action != ThreadAction::Pass {
            return Err(ValidationError::new(
                "control_pass",
                "control_pass is only valid with action pass",
            ));
        }
        self.target_role = Some("ai_agent".into());
        Ok(self)
    }

    /// Free text forwarded verbatim to the app receiving the thread, at most 2000
    /// characters.
    pub fn metadata(mut self, metadata: impl Into<String>) -> Result<Self, ValidationError> {
        let metadata = metadata.into();
        let n = char_count(&metadata);
        if n > THREAD_CONTROL_METADATA_MAX_CHARS {
            return Err(ValidationError::new(
                "metadata",
                format!(
                    "thread control metadata is {n} characters; Meta's limit is {THREAD_CONTROL_METADATA_MAX_CHARS}"
                ),
            ));
        }
        self.metadata = Some(metadata);
        Ok(self)
    }

    /// The customer whose thread it is.
    pub fn recipient(&self) -> &Recipient {
        &self.recipient
    }

    /// What the request does.
    pub fn action(&self) -> ThreadAction {
        self.action
    }

    /// The JSON body Meta expects.
    pub fn to_json(&self) -> Value {
        let mut body = Map::new();
        body.insert("messaging_product".into(), json!("whatsapp"));
        self.recipient.write(&mut body);
        body.insert("action".into(), json!(self.action));
        if let Some(m) = &self.metadata {
            body.insert("metadata".into(), json!(m));
        }
        if let Some(r) = &self.target_role {
            body.insert("control_pass".into(), json!({ "target_role": r }));
        }
        Value::Object(body)
    }
}

/// Meta's answer to a thread control request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ThreadControlResponse {
    /// `whatsapp`.
    #[serde(default)]
    pub messaging_product: Option<String>,
    /// Any other field (request identifiers), as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl GraphClient {
    /// Passes, takes or releases a customer's thread (`POST
    /// /{phone_number_id}/thread_control`; see the [module](crate::thread_control)
    /// for the rules and errors). A write: never replayed after a timeout.
    pub async fn thread_control(
        &self,
        request: &ThreadControl,
    ) -> Result<ThreadControlResponse, GraphError> {
        let phone = self.phone_number_id().to_owned();
        self.write_node(
            Method::POST,
            &[&phone, "thread_control"],
            &[],
            Some(request.to_json()),
            "thread control answer",
        )
        .await
    }

    /// Passes the thread of `recipient` to the escalation partner, with optional
    /// `metadata` ([`ThreadControl::pass`]).
    pub async fn pass_thread_control(
        &self,
        recipient: impl Into<Recipient>,
        metadata: Option<&str>,
    ) -> Result<ThreadControlResponse, GraphError> {
        let mut r = ThreadControl::pass(recipient)?;
        if let Some(m) = metadata {
            r = r.metadata(m)?;
        }
        self.thread_control(&r).await
    }

    /// Takes the thread of `recipient` from its owner ([`ThreadControl::take`]).
    pub async fn take_thread_control(
        &self,
        recipient: impl Into<Recipient>,
        metadata: Option<&str>,
    ) -> Result<ThreadControlResponse, GraphError> {
        let mut r = ThreadControl::take(recipient)?;
        if let Some(m) = metadata {
            r = r.metadata(m)?;
        }
        self.thread_control(&r).await
    }

    /// Releases the thread of `recipient` ([`ThreadControl::release`]).
    pub async fn release_thread_control(
        &self,
        recipient: impl Into<Recipient>,
    ) -> Result<ThreadControlResponse, GraphError> {
        self.thread_control(&ThreadControl::release(recipient)?)
            .await
    }
}
