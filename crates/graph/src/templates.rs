//! Message template management under the WhatsApp Business Account (Cloud API
//! "Templates"): list (every page), get, create, delete. Needs
//! [`GraphClientBuilder::waba_id`](crate::GraphClientBuilder::waba_id); without it
//! these calls return [`GraphError::Config`].

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::account::expect_success;
use crate::client::{GraphClient, Payload};
use crate::error::GraphError;
use crate::messages::ValidationError;
use crate::retry::RequestKind;

/// A template as Meta returns it (`GET /{waba_id}/message_templates`,
/// `GET /{template_id}`). Components are kept as Meta's JSON; unknown fields in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MessageTemplate {
    /// The template id.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub id: Option<String>,
    /// The template name (lowercase letters, digits, underscores).
    #[serde(default)]
    pub name: String,
    /// The language code, e.g. `en_US`.
    #[serde(default)]
    pub language: Option<String>,
    /// `APPROVED`, `PENDING`, `REJECTED`, `PAUSED`, `DISABLED`, ...
    #[serde(default)]
    pub status: Option<String>,
    /// `MARKETING`, `UTILITY` or `AUTHENTICATION`.
    #[serde(default)]
    pub category: Option<String>,
    /// The category before Meta re-categorised it.
    #[serde(default)]
    pub previous_category: Option<String>,
    /// `positional` or `named`.
    #[serde(default)]
    pub parameter_format: Option<String>,
    /// Header, body, footer and buttons, as Meta's JSON.
    #[serde(default)]
    pub components: Vec<Value>,
    /// Why the template was rejected (`NONE` when it was not).
    #[serde(default)]
    pub rejected_reason: Option<String>,
    /// Every other field Meta sent (`quality_score`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The variables of a template text: positional `{{1}}` (as numbers) or named
/// `{{first_name}}`.
fn variables(text: &str) -> (usize, Vec<String>) {
    let mut max = 0usize;
    let mut named = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        rest = &rest[i + 2..];
        let Some(j) = rest.find("}}") else { break };
        let v = rest[..j].trim();
        if let Ok(n) = v.parse::<usize>() {
            max = max.max(n);
        } else if !v.is_empty() && !named.iter().any(|x| x == v) {
            named.push(v.to_owned());
        }
        rest = &rest[j + 2..];
    }
    (max, named)
}

impl MessageTemplate {
    fn component_text(&self, kind: &str) -> Option<&str> {
        self.components
            .iter()
            .find(|c| {
                c.get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.eq_ignore_ascii_case(kind))
            })
            .and_then(|c| c.get("text").and_then(Value::as_str))
    }

    /// Checks a template message against this stored template before sending, so a
    /// mismatch is refused locally instead of by Meta (error 132000 / 132001): same
    /// name and language, and for the header text and the body as many text
    /// parameters as the template has variables (`{{1}}..{{n}}`), or exactly its
    /// named variables for `parameter_format: named`.
    pub fn check_message(&self, t: &crate::messages::Template) -> Result<(), ValidationError> {
        use crate::messages::Parameter;
        if t.name() != self.name {
            return Err(ValidationError::new(
                "template.name",
                format!("template {:?} is not {:?}", t.name(), self.name),
            ));
        }
        if let Some(lang) = &self.language {
            if !t.language_code().eq_ignore_ascii_case(lang) {
                return Err(ValidationError::new(
                    "template.language.code",
                    format!(
                        "template {:?} exists in {lang:?}, not {:?} (Meta error 132001)",
                        self.name,
                        t.language_code()
                    ),
                ));
            }
        }
        for kind in ["header", "body"] {
            let (positional, named) = self.component_text(kind).map(variables).unwrap_or_default();
            let given: Vec<&Parameter> = t
                .components()
                .iter()
                .filter(|c| c.type_name() == kind)
                .flat_map(|c| c.parameters())
                .filter(|p| {
                    matches!(
                        p,
                        Parameter::Text { .. }
                            | Parameter::Currency(_)
                            | Parameter::DateTime { .. }
                            | Parameter::DateTimeParts(_)
                    )
                })
                .collect();
            if !named.is_empty() {
                let mut names: Vec<&str> = given
                    .iter()
                    .filter_map(|p| match p {
                        Parameter::Text {
                            parameter_name: Some(n),
                            ..
                        } => Some(n.as_str()),
                        _ => None,
                    })
                    .collect();
                names.sort_unstable();
                let mut want: Vec<&str> = named.iter().map(String::as_str).collect();
                want.sort_unstable();
                if names != want {
                    return Err(ValidationError::new(
                        format!("template.components.{kind}"),
                        format!(
                            "template {:?} {kind} needs the named parameters {want:?}, got {names:?} (Meta error 132000)",
                            self.name
                        ),
                    ));
                }
            } else if given.len() != positional {
                return Err(ValidationError::new(
                    format!("template.components.{kind}"),
                    format!(
                        "template {:?} {kind} has {positional} variables but {} parameters were given (Meta error 132000)",
                        self.name,
                        given.len()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The number of positional variables `{{n}}` in the body (the highest `n`), to
    /// check a send's parameter count before Meta answers 132000.
    pub fn body_parameter_count(&self) -> usize {
        self.components
            .iter()
            .filter(|c| {
                c.get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.eq_ignore_ascii_case("body"))
            })
            .filter_map(|c| c.get("text").and_then(Value::as_str))
            .map(|t| {
                let mut max = 0usize;
                let mut rest = t;
                while let Some(i) = rest.find("{{") {
                    rest = &rest[i + 2..];
                    if let Some(j) = rest.find("}}") {
                        if let Ok(n) = rest[..j].trim().parse::<usize>() {
                            max = max.max(n);
                        }
                        rest = &rest[j + 2..];
                    }
                }
                max
            })
            .max()
            .unwrap_or(0)
    }
}

/// A template category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum TemplateCategory {
    /// `MARKETING`.
    Marketing,
    /// `UTILITY`.
    Utility,
    /// `AUTHENTICATION`.
    Authentication,
}

impl TemplateCategory {
    /// Meta's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TemplateCategory::Marketing => "MARKETING",
            TemplateCategory::Utility => "UTILITY",
            TemplateCategory::Authentication => "AUTHENTICATION",
        }
    }
}

/// A template to submit for review (`POST /{waba_id}/message_templates`):
/// `{"name","language","category","components":[...],"parameter_format"?}`.
/// Components are given as Meta's JSON (`{"type":"BODY","text":"Hi {{1}}",
/// "example":{"body_text":[["Ann"]]}}`, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct NewTemplate {
    name: String,
    language: String,
    category: TemplateCategory,
    components: Vec<Value>,
    parameter_format: Option<String>,
    allow_category_change: Option<bool>,
}

/// Meta's limit on a template name, in characters.
pub const TEMPLATE_NAME_MAX_CHARS: usize = 512;

impl NewTemplate {
    /// A template named `name` (lowercase letters, digits and underscores, at most 512
    /// characters) in `language` (e.g. `en_US`).
    pub fn new(
        name: impl Into<String>,
        language: impl Into<String>,
        category: TemplateCategory,
    ) -> Result<Self, ValidationError> {
        let t = Self {
            name: name.into(),
            language: language.into(),
            category,
            components: Vec::new(),
            parameter_format: None,
            allow_category_change: None,
        };
        t.check_name()?;
        Ok(t)
    }

    /// Adds a component (Meta's JSON object with a `type`).
    pub fn component(mut self, c: Value) -> Self {
        self.components.push(c);
        self
    }

    /// `positional` (default) or `named` parameters.
    pub fn parameter_format(mut self, f: impl Into<String>) -> Self {
        self.parameter_format = Some(f.into());
        self
    }

    /// Lets Meta change the category instead of rejecting the template.
    pub fn allow_category_change(mut self, on: bool) -> Self {
        self.allow_category_change = Some(on);
        self
    }

    fn check_name(&self) -> Result<(), ValidationError> {
        let n = self.name.chars().count();
        if n == 0
            || n > TEMPLATE_NAME_MAX_CHARS
            || !self
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(ValidationError::new(
                "name",
                format!(
                    "template name {:?} must be 1 to {TEMPLATE_NAME_MAX_CHARS} lowercase letters, digits or underscores",
                    self.name
                ),
            ));
        }
        Ok(())
    }

    /// Checks the name, the language and that every component has a `type`.
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.check_name()?;
        if self.language.trim().is_empty() {
            return Err(ValidationError::new(
                "language",
                "template language is empty",
            ));
        }
        if self.components.is_empty() {
            return Err(ValidationError::new(
                "components",
                "a template needs at least a body component",
            ));
        }
        if let Some(i) = self
            .components
            .iter()
            .position(|c| c.get("type").and_then(Value::as_str).is_none())
        {
            return Err(ValidationError::new(
                "components",
                format!("template component {} has no type", i + 1),
            ));
        }
        Ok(())
    }

    /// The request body.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), json!(self.name));
        m.insert("language".into(), json!(self.language));
        m.insert("category".into(), json!(self.category.as_str()));
        m.insert("components".into(), Value::Array(self.components.clone()));
        if let Some(f) = &self.parameter_format {
            m.insert("parameter_format".into(), json!(f));
        }
        if let Some(a) = self.allow_category_change {
            m.insert("allow_category_change".into(), json!(a));
        }
        Value::Object(m)
    }
}

/// Meta's answer to a template creation: `{"id","status","category"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreatedTemplate {
    /// The new template's id.
    #[serde(deserialize_with = "crate::de::id")]
    pub id: String,
    /// `PENDING`, `APPROVED` or `REJECTED`.
    #[serde(default)]
    pub status: Option<String>,
    /// The category Meta filed it under.
    #[serde(default)]
    pub category: Option<String>,
}

impl GraphClient {
    /// Every template of the WABA (`GET /{waba_id}/message_templates`), following
    /// `paging.next` through all pages; a `next` URL that leaves the configured Graph
    /// host is refused, so the token never follows it.
    pub async fn list_templates(&self) -> Result<Vec<MessageTemplate>, GraphError> {
        let waba = self.require_waba("list_templates")?;
        let url = self.node_url(&[waba, "message_templates"]);
        self.get_all_pages(&url, &[("limit", "100")], "template list answer")
            .await
    }

    /// One template by id (`GET /{template_id}`).
    pub async fn get_template(&self, template_id: &str) -> Result<MessageTemplate, GraphError> {
        check_id("template_id", template_id)?;
        let url = self.node_url(&[template_id]);
        let (status, body) = self
            .execute(
                reqwest::Method::GET,
                &url,
                &[],
                &Payload::None,
                RequestKind::Read,
                None,
            )
            .await?;
        Self::decode(status, &body, "template answer")
    }

    /// Submits a template for review (`POST /{waba_id}/message_templates`).
    pub async fn create_template(&self, t: &NewTemplate) -> Result<CreatedTemplate, GraphError> {
        let waba = self.require_waba("create_template")?;
        t.validate()?;
        let url = self.node_url(&[waba, "message_templates"]);
        let (status, body) = self
            .execute(
                reqwest::Method::POST,
                &url,
                &[],
                &Payload::Json(t.to_json()),
                RequestKind::Write,
                None,
            )
            .await?;
        Self::decode(status, &body, "template creation answer")
    }

    /// Deletes a template (`DELETE /{waba_id}/message_templates?name=...`): every
    /// language of `name`, or only the one with `template_id` (`hsm_id`) when given.
    pub async fn delete_template(
        &self,
        name: &str,
        template_id: Option<&str>,
    ) -> Result<(), GraphError> {
        let waba = self.require_waba("delete_template")?;
        if name.trim().is_empty() {
            return Err(GraphError::Validation(ValidationError::new(
                "name",
                "the template name to delete is empty",
            )));
        }
        let mut query = vec![("name", name)];
        if let Some(id) = template_id {
            check_id("hsm_id", id)?;
            query.push(("hsm_id", id));
        }
        let url = self.node_url(&[waba, "message_templates"]);
        let (status, body) = self
            .execute(
                reqwest::Method::DELETE,
                &url,
                &query,
                &Payload::None,
                RequestKind::Write,
                None,
            )
            .await?;
        expect_success(status, &body, "template delete")
    }
}

fn check_id(field: &str, id: &str) -> Result<(), GraphError> {
    if id.is_empty()
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(GraphError::Validation(ValidationError::new(
            field,
            format!("{field} {id:?} must be a non-empty id of letters and digits"),
        )));
    }
    Ok(())
}
