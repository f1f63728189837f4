//! The core's `Messenger` port over `wacloud-graph`: every send goes through the Graph client.

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use wacloud_core::message::DeliveryError;
use wacloud_core::outbound::{
    FailureClass, OutboundContent, OutboundRequest, SendFailure, SendReceipt,
};
use wacloud_core::ports::Messenger;
use wacloud_core::CustomerKey;
use wacloud_graph::messages::{OutboundMessage, Recipient, Template};
use wacloud_graph::{ErrorClass, GraphClient, GraphError};

/// Sends through a [`GraphClient`] (to Meta, or to the sandbox).
#[derive(Debug, Clone)]
pub struct GraphMessenger {
    client: GraphClient,
    business_phone: Option<String>,
    token: SecretString,
}

impl GraphMessenger {
    /// A messenger over `client`; `business_phone` is the E.164 number messages go out from;
    /// `token` is the client's access token, scrubbed from any error text Meta or a proxy echoes.
    #[must_use]
    pub fn new(client: GraphClient, business_phone: Option<String>, token: SecretString) -> Self {
        Self {
            client,
            business_phone,
            token,
        }
    }

    fn scrubbed(&self, f: SendFailure) -> SendFailure {
        let scrub = |s: &mut Option<String>| {
            if let Some(t) = s.as_mut() {
                *t = scrub_secret(t, self.token.expose_secret());
            }
        };
        match f {
            SendFailure::Rejected {
                http_status,
                mut error,
                class,
                retry_after_secs,
            } => {
                scrub(&mut error.title);
                scrub(&mut error.message);
                scrub(&mut error.details);
                SendFailure::Rejected {
                    http_status,
                    error,
                    class,
                    retry_after_secs,
                }
            }
            SendFailure::Invalid(m) => {
                SendFailure::Invalid(scrub_secret(&m, self.token.expose_secret()))
            }
            SendFailure::OutcomeUnknown(m) => {
                SendFailure::OutcomeUnknown(scrub_secret(&m, self.token.expose_secret()))
            }
            SendFailure::Unreachable(m) => {
                SendFailure::Unreachable(scrub_secret(&m, self.token.expose_secret()))
            }
        }
    }
}

/// Removes the access token, and any `Bearer …` credential, from text that came from Meta or
/// from a proxy in between, before it is stored, logged or answered.
#[must_use]
pub fn scrub_secret(text: &str, token: &str) -> String {
    let mut out = if token.len() >= 8 {
        text.replace(token, "[redacted]")
    } else {
        text.to_owned()
    };
    let mut from = 0;
    while let Some(i) = out[from..]
        .to_ascii_lowercase()
        .find("bearer ")
        .map(|i| i + from)
    {
        let start = i + "bearer ".len();
        let end = out[start..]
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '<')
            .map_or(out.len(), |e| start + e);
        if end > start && &out[start..end] != "[redacted]" {
            out.replace_range(start..end, "[redacted]");
        }
        from = start + "[redacted]".len().min(out.len() - start);
    }
    out
}

fn recipient(key: &CustomerKey) -> Recipient {
    match key {
        CustomerKey::Phone(p) => Recipient::PhoneNumber(p.digits().to_owned()),
        CustomerKey::UserId(u) => Recipient::UserId(u.clone()),
    }
}

/// Builds the Graph request for a core request.
///
/// # Errors
/// [`SendFailure::Invalid`] naming the limit the content breaks.
pub fn to_graph(req: &OutboundRequest) -> Result<OutboundMessage, SendFailure> {
    let to = recipient(&req.to);
    let invalid = |e: wacloud_graph::ValidationError| SendFailure::Invalid(e.to_string());
    let mut msg = match &req.content {
        OutboundContent::Text { body, preview_url } => OutboundMessage::text(to, body.clone())
            .map_err(invalid)?
            .preview_url(*preview_url),
        OutboundContent::Template {
            name,
            language,
            body_parameters,
        } => {
            let mut t = Template::new(name.clone(), language.clone());
            if !body_parameters.is_empty() {
                t = t
                    .body_parameters(body_parameters.clone())
                    .map_err(invalid)?;
            }
            OutboundMessage::template(to, t)
        }
    };
    if let Some(r) = &req.reply_to {
        msg = msg.reply_to(r.clone());
    }
    if let Some(d) = &req.callback_data {
        msg = msg.biz_opaque_callback_data(d.clone());
    }
    Ok(msg)
}

fn class(c: ErrorClass) -> FailureClass {
    match c {
        ErrorClass::Authentication => FailureClass::Authentication,
        ErrorClass::Permission => FailureClass::Permission,
        ErrorClass::RateLimited => FailureClass::RateLimited,
        ErrorClass::PairRateLimited => FailureClass::PairRateLimited,
        ErrorClass::WindowClosed => FailureClass::WindowClosed,
        ErrorClass::Undeliverable => FailureClass::Undeliverable,
        ErrorClass::TemplateProblem => FailureClass::TemplateProblem,
        ErrorClass::InvalidRequest => FailureClass::InvalidRequest,
        ErrorClass::Transient => FailureClass::Transient,
        _ => FailureClass::Unknown,
    }
}

/// Maps a Graph error to the core's view of a failed send.
#[must_use]
pub fn failure(e: &GraphError) -> SendFailure {
    if let Some(api) = e.api() {
        return SendFailure::Rejected {
            http_status: api.http_status,
            error: DeliveryError {
                code: Some(api.code),
                title: api
                    .error_user_title
                    .clone()
                    .or_else(|| api.error_type.clone()),
                message: Some(api.message.clone()),
                details: api.details.clone().or_else(|| api.error_user_msg.clone()),
            },
            class: class(api.class()),
            retry_after_secs: api.retry_after.map(|d| d.as_secs()),
        };
    }
    if e.is_outcome_unknown() {
        return SendFailure::OutcomeUnknown(e.to_string());
    }
    match e {
        GraphError::Validation(v) => SendFailure::Invalid(v.to_string()),
        GraphError::Config(c) => SendFailure::Invalid(format!("Graph client configuration: {c}")),
        other => SendFailure::Unreachable(other.to_string()),
    }
}

#[async_trait]
impl Messenger for GraphMessenger {
    async fn send(&self, request: &OutboundRequest) -> Result<SendReceipt, SendFailure> {
        let msg = to_graph(request)?;
        let resp = self
            .client
            .send_message(&msg)
            .await
            .map_err(|e| self.scrubbed(failure(&e)))?;
        let wamid = resp.wamid().map(str::to_owned).ok_or_else(|| {
            SendFailure::OutcomeUnknown("Meta's answer carried no message id".into())
        })?;
        Ok(SendReceipt {
            wamid,
            wa_id: resp.wa_id().map(str::to_owned),
        })
    }

    async fn mark_read(&self, wamid: &str) -> Result<(), SendFailure> {
        self.client
            .mark_read(wamid)
            .await
            .map_err(|e| self.scrubbed(failure(&e)))
    }

    fn business_phone(&self) -> Option<String> {
        self.business_phone.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::scrub_secret;

    #[test]
    fn echoed_credentials_are_scrubbed() {
        let t = "EAAG-secret-token-123";
        let s = scrub_secret(
            "<html>Authorization: Bearer EAAG-secret-token-123 rejected; token EAAG-secret-token-123</html>",
            t,
        );
        assert!(!s.contains(t), "{s}");
        assert!(s.contains("Bearer [redacted]"), "{s}");
        assert_eq!(scrub_secret("bearer abc def", "x"), "bearer [redacted] def");
        assert_eq!(scrub_secret("no secrets here", t), "no secrets here");
    }
}
