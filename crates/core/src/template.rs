//! Message templates and the business number's account state, as Meta's webhooks report them.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A template as stored in `whatsapp_templates`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredTemplate {
    /// Meta's template id, when known.
    pub template_id: Option<String>,
    /// Template name.
    pub name: String,
    /// Language code (`en_US`).
    pub language: String,
    /// `MARKETING`, `UTILITY`, `AUTHENTICATION`.
    pub category: Option<String>,
    /// `APPROVED`, `REJECTED`, `PAUSED`, `DISABLED`, …
    pub status: Option<String>,
    /// `GREEN`, `YELLOW`, `RED`, `UNKNOWN`.
    pub quality_score: Option<String>,
    /// Meta's reason for the last status.
    pub reason: Option<String>,
    /// The last components update, as JSON text.
    pub components: Option<String>,
    /// When the row last changed.
    pub updated_at: DateTime<Utc>,
}

impl StoredTemplate {
    /// Whether Meta lets this template be sent: approved, or status not known.
    #[must_use]
    pub fn sendable(&self) -> bool {
        self.status.as_deref().is_none_or(|s| {
            let s = s.to_ascii_uppercase();
            !matches!(
                s.as_str(),
                "REJECTED"
                    | "PAUSED"
                    | "DISABLED"
                    | "PENDING"
                    | "PENDING_DELETION"
                    | "DELETED"
                    | "IN_APPEAL"
                    | "LIMIT_EXCEEDED"
            )
        })
    }

    /// The text its body reads with `parameters` in place of `{{1}}`, `{{2}}`, … (Meta's
    /// positional placeholders; one without a parameter stays as written). The stored components
    /// are Meta's `components` array (its `BODY` item's `text`) or what a
    /// `message_template_components_update` webhook said (its `body`). `None` without body text.
    #[must_use]
    pub fn body_text(&self, parameters: &[String]) -> Option<String> {
        use serde_json::Value;
        let components: Value = serde_json::from_str(self.components.as_deref()?).ok()?;
        let text = match &components {
            Value::Array(items) => items.iter().find_map(|c| {
                c.get("type")
                    .and_then(Value::as_str)
                    .filter(|t| t.eq_ignore_ascii_case("BODY"))
                    .and(c.get("text"))
                    .and_then(Value::as_str)
            }),
            Value::Object(o) => o.get("body").and_then(Value::as_str),
            _ => None,
        }?;
        Some(fill_placeholders(text, parameters))
    }
}

/// `text` with each `{{n}}` replaced by `parameters[n - 1]`, in one pass (a parameter that
/// itself reads `{{2}}` is not replaced again).
fn fill_placeholders(text: &str, parameters: &[String]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let value = after.find("}}").and_then(|end| {
            let n: usize = after[..end].trim().parse().ok()?;
            let p = parameters.get(n.checked_sub(1)?)?;
            Some((p, end))
        });
        match value {
            Some((p, end)) => {
                out.push_str(p);
                rest = &after[end + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The business number's state in `whatsapp_numbers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionState {
    /// The business phone number id (or the WABA id for account-wide events).
    pub phone_number_id: String,
    /// WhatsApp Business Account id.
    pub waba_id: Option<String>,
    /// Approved display name.
    pub verified_name: Option<String>,
    /// Quality rating or the last quality event (`FLAGGED`, `UNFLAGGED`, …).
    pub quality_rating: Option<String>,
    /// Messaging limit tier (`TIER_1K`, …).
    pub messaging_limit_tier: Option<String>,
    /// The last account event (`ACCOUNT_RESTRICTION`, …).
    pub account_status: Option<String>,
    /// The last event of any kind, `field: event`.
    pub last_event: Option<String>,
    /// When the last delivery for this number arrived.
    pub last_webhook_at: Option<DateTime<Utc>>,
    /// When the row last changed.
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(components: &str) -> StoredTemplate {
        StoredTemplate {
            template_id: None,
            name: "order_update".into(),
            language: "en_US".into(),
            category: None,
            status: Some("APPROVED".into()),
            quality_score: None,
            reason: None,
            components: Some(components.into()),
            updated_at: DateTime::<Utc>::default(),
        }
    }

    #[test]
    fn the_body_reads_with_its_parameters_in_place() {
        let t = template(
            r#"[{"type":"HEADER","format":"TEXT","text":"Order"},{"type":"BODY","text":"Hi {{1}}, order {{2}} ships {{3}}. {{ 1 }}!"}]"#,
        );
        let p = ["Ana".to_owned(), "{{1}}".to_owned()];
        assert_eq!(
            t.body_text(&p).as_deref(),
            Some("Hi Ana, order {{1}} ships {{3}}. Ana!"),
            "one pass; a missing parameter stays as written"
        );
        assert_eq!(
            template(r#"[{"type":"FOOTER","text":"x"}]"#).body_text(&p),
            None
        );
        assert_eq!(template("not json").body_text(&p), None);
        assert_eq!(
            template(r#"{"title":"Order","body":"Thanks, {{1}}","footer":null}"#)
                .body_text(&p)
                .as_deref(),
            Some("Thanks, Ana"),
            "as a components-update webhook stores it"
        );
        assert_eq!(
            template(r#"[{"type":"body","text":"a {{ b"}]"#)
                .body_text(&[])
                .as_deref(),
            Some("a {{ b")
        );
    }
}
