//! Flow messages (`interactive.type: flow`): which WhatsApp Flow to open, its button
//! text, token and mode, and how it starts (navigate to a screen or exchange data).

use serde_json::{json, Map, Value};

use crate::messages::validation::{self, ValidationError, FLOW_CTA_MAX_CHARS};

/// How a Flow message opens: navigate to a screen (with optional initial data) or
/// exchange data with the business's endpoint first.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FlowAction {
    /// `flow_action: navigate`, `flow_action_payload: {"screen", "data"?}`.
    Navigate {
        /// The first screen's id.
        screen: String,
        /// Initial data for the screen: a non-empty JSON object.
        data: Option<Value>,
    },
    /// `flow_action: data_exchange` (the endpoint decides the first screen).
    DataExchange,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum FlowRef {
    Id(String),
    Name(String),
}

/// The Flow to open from an interactive message (`action.name: flow`), by id or by
/// name, with its button text (`flow_cta`, ≤ 30 characters).
///
/// ```
/// use wacloud_graph::messages::{Flow, Interactive};
/// let flow = Flow::by_id("1234567890", "Book now")?.token("tok-7").navigate("WELCOME", None)?;
/// let i = Interactive::flow("Pick a time", flow)?;
/// assert_eq!(i.to_json()["action"]["parameters"]["flow_message_version"], "3");
/// # Ok::<(), wacloud_graph::messages::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    flow: FlowRef,
    cta: String,
    token: Option<String>,
    draft: bool,
    action: Option<FlowAction>,
}

impl Flow {
    /// A published Flow by its id.
    pub fn by_id(
        flow_id: impl Into<String>,
        cta: impl Into<String>,
    ) -> Result<Self, ValidationError> {
        Self::new(FlowRef::Id(flow_id.into()), cta.into())
    }

    /// A Flow by its name.
    pub fn by_name(
        name: impl Into<String>,
        cta: impl Into<String>,
    ) -> Result<Self, ValidationError> {
        Self::new(FlowRef::Name(name.into()), cta.into())
    }

    fn new(flow: FlowRef, cta: String) -> Result<Self, ValidationError> {
        let f = Self {
            flow,
            cta,
            token: None,
            draft: false,
            action: None,
        };
        f.validate()?;
        Ok(f)
    }

    /// The business's token for this Flow session (`flow_token`), echoed in the
    /// completion webhook.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Sends the draft version (`mode: draft`), for testing.
    pub fn draft(mut self) -> Self {
        self.draft = true;
        self
    }

    /// Opens `screen` first, with optional initial `data` (a non-empty JSON object).
    pub fn navigate(
        mut self,
        screen: impl Into<String>,
        data: Option<Value>,
    ) -> Result<Self, ValidationError> {
        self.action = Some(FlowAction::Navigate {
            screen: screen.into(),
            data,
        });
        self.validate()?;
        Ok(self)
    }

    /// Asks the business's Flow endpoint for the first screen (`data_exchange`).
    pub fn data_exchange(mut self) -> Self {
        self.action = Some(FlowAction::DataExchange);
        self
    }

    pub(super) fn validate(&self) -> Result<(), ValidationError> {
        match &self.flow {
            FlowRef::Id(id) => {
                validation::id_value("interactive.action.parameters.flow_id", "flow_id", id)?
            }
            FlowRef::Name(n) => {
                validation::id_value("interactive.action.parameters.flow_name", "flow_name", n)?
            }
        }
        validation::required_text(
            "interactive.action.parameters.flow_cta",
            "flow_cta (the Flow button text)",
            &self.cta,
            FLOW_CTA_MAX_CHARS,
        )?;
        if let Some(FlowAction::Navigate { screen, data }) = &self.action {
            validation::id_value(
                "interactive.action.parameters.flow_action_payload.screen",
                "Flow screen",
                screen,
            )?;
            if let Some(d) = data {
                if d.as_object().is_none_or(|o| o.is_empty()) {
                    return Err(ValidationError::new(
                        "interactive.action.parameters.flow_action_payload.data",
                        "Flow initial data must be a non-empty JSON object",
                    ));
                }
            }
        }
        Ok(())
    }

    pub(super) fn to_json(&self) -> Value {
        let mut p = Map::new();
        p.insert("flow_message_version".into(), json!("3"));
        match &self.flow {
            FlowRef::Id(id) => p.insert("flow_id".into(), json!(id)),
            FlowRef::Name(n) => p.insert("flow_name".into(), json!(n)),
        };
        p.insert("flow_cta".into(), json!(self.cta));
        if let Some(t) = &self.token {
            p.insert("flow_token".into(), json!(t));
        }
        if self.draft {
            p.insert("mode".into(), json!("draft"));
        }
        match &self.action {
            Some(FlowAction::Navigate { screen, data }) => {
                p.insert("flow_action".into(), json!("navigate"));
                let mut payload = Map::new();
                payload.insert("screen".into(), json!(screen));
                if let Some(d) = data {
                    payload.insert("data".into(), d.clone());
                }
                p.insert("flow_action_payload".into(), Value::Object(payload));
            }
            Some(FlowAction::DataExchange) => {
                p.insert("flow_action".into(), json!("data_exchange"));
            }
            None => {}
        }
        json!({"name": "flow", "parameters": Value::Object(p)})
    }
}
