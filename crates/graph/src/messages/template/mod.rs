//! Template messages (`"type": "template"`): name, language and the components that
//! fill the template's variables (Cloud API "Send template messages").
//!
//! `parameter` holds the parameter objects, `component` the header, body and button
//! components with the typed buttons; this file the [`Template`] and its builders.

mod component;
mod parameter;

pub use component::{ButtonSubType, Component, TEMPLATE_BUTTON_INDEX_MAX};
pub use parameter::{
    Currency, DateTimeParts, MediaRef, Parameter, TemplateAction, COUPON_CODE_MAX_CHARS,
};

use serde_json::{json, Map, Value};

use super::validation::{template_text_parameter, ValidationError};

/// A template to send: its name, language code and components.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Template {
    name: String,
    language_code: String,
    components: Vec<Component>,
    #[serde(default)]
    deterministic: bool,
}

impl Template {
    /// A template by `name` (as approved in WhatsApp Manager) and `language_code`
    /// (e.g. `en_US`, `pt_BR`).
    pub fn new(name: impl Into<String>, language_code: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            language_code: language_code.into(),
            components: Vec::new(),
            deterministic: false,
        }
    }

    /// Adds `"policy": "deterministic"` to the language object (the only policy Meta
    /// has; optional, Meta applies it anyway).
    pub fn deterministic_policy(mut self) -> Self {
        self.deterministic = true;
        self
    }

    /// Fills the body's positional variables `{{1}}..{{n}}` with text, in order,
    /// replacing any body component set before: `{"type":"body","parameters":
    /// [{"type":"text","text":...}, ...]}`. Takes any iterator of strings (a `Vec`, an
    /// array, `&[&str]`, a `map`). Each value must not be empty and must not contain a
    /// newline, a tab, or more than 4 consecutive spaces (Meta's rule, error 132018);
    /// the error names the parameter by its 1-based position.
    pub fn body_parameters(
        self,
        params: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<Self, ValidationError> {
        let params = positional(params)?;
        Ok(self.replace(Component::body(params), Component::is_body))
    }

    /// Fills the body's named variables (`{{first_name}}`) of a template whose
    /// `parameter_format` is `NAMED`, replacing any body set before:
    /// `{"type":"body","parameters":[{"type":"text","parameter_name":"first_name",
    /// "text":"Ana"}, ...]}`. Takes any iterator of `(name, value)` pairs, in any
    /// order. Errors when a name is not lowercase letters, digits and underscores, a
    /// name comes twice, or a value breaks the rule of [`Template::body_parameters`].
    pub fn named_body_parameters<N: Into<String>, V: Into<String>>(
        self,
        params: impl IntoIterator<Item = (N, V)>,
    ) -> Result<Self, ValidationError> {
        let params = params
            .into_iter()
            .map(|(n, v)| Parameter::named_text(n, v))
            .collect::<Result<Vec<_>, _>>()?;
        let body = Component::body(params);
        body.validate()?;
        Ok(self.replace(body, Component::is_body))
    }

    /// Fills a text header's variable, replacing any header set before:
    /// `{"type":"header","parameters":[{"type":"text","text":...}]}`. Takes any
    /// iterator of strings, as [`Template::body_parameters`]; Meta allows one
    /// variable in a text header, so more than one value is an error.
    pub fn header_parameters(
        self,
        params: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<Self, ValidationError> {
        let header = Component::header(positional(params)?);
        header.validate()?;
        check_header(&header)?;
        Ok(self.replace(header, Component::is_header))
    }

    /// Fills a text header's named variable (`{{sale_name}}`) of a `NAMED` template,
    /// replacing any header set before:
    /// `{"type":"header","parameters":[{"type":"text","parameter_name":...,"text":...}]}`.
    /// Errors as [`Template::named_body_parameters`].
    pub fn named_header_parameter(
        self,
        name: impl Into<String>,
        text: impl Into<String>,
    ) -> Result<Self, ValidationError> {
        let header = Component::header([Parameter::named_text(name, text)?]);
        Ok(self.replace(header, Component::is_header))
    }

    /// Sets a media or location header, replacing any header set before:
    /// `{"type":"header","parameters":[{"type":"image","image":{"id"|"link"}}]}` for
    /// [`Parameter::Image`], likewise [`Parameter::Video`], [`Parameter::Document`]
    /// (with an optional `filename`) and [`Parameter::Location`]. Errors when the
    /// media id is empty or the link is not an absolute http(s) URL.
    pub fn header_media(self, media: Parameter) -> Result<Self, ValidationError> {
        let header = Component::header([media]);
        header.validate()?;
        Ok(self.replace(header, Component::is_header))
    }

    /// Adds a button component, checked first: build it with
    /// [`Component::quick_reply_button`], [`Component::url_button`],
    /// [`Component::copy_code_button`], [`Component::flow_button`] or
    /// [`Component::catalog_button`]. Errors as [`Component::button`]'s checks (index
    /// 0 to 9, the parameter's limits).
    pub fn button(mut self, button: Component) -> Result<Self, ValidationError> {
        button.validate()?;
        self.components.push(button);
        Ok(self)
    }

    fn replace(mut self, c: Component, same: fn(&Component) -> bool) -> Self {
        self.components.retain(|x| !same(x));
        self.components.push(c);
        self
    }

    /// Adds a component (header, body, button) as built; it is checked with the
    /// whole template by [`Template::validate`], which
    /// [`OutboundMessage::template`](crate::messages::OutboundMessage::template) calls.
    pub fn component(mut self, c: Component) -> Self {
        self.components.push(c);
        self
    }

    /// The template name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The language code.
    pub fn language_code(&self) -> &str {
        &self.language_code
    }

    /// The components.
    pub fn components(&self) -> &[Component] {
        &self.components
    }

    /// Checks the name, the language and every component: each parameter's limits
    /// (text rule, parameter names, coupon code length, header media), button
    /// indexes 0 to 9, at most one header and one body, at most one text variable in
    /// the header, and no component mixing named and positional text parameters.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.name.trim().is_empty() {
            return Err(ValidationError::new(
                "template.name",
                "template name is empty",
            ));
        }
        if self.language_code.trim().is_empty() {
            return Err(ValidationError::new(
                "template.language.code",
                "template language code is empty (e.g. en_US)",
            ));
        }
        for (what, is) in [
            ("header", Component::is_header as fn(&Component) -> bool),
            ("body", Component::is_body),
        ] {
            if self.components.iter().filter(|c| is(c)).count() > 1 {
                return Err(ValidationError::new(
                    format!("template.components.{what}"),
                    format!("template has more than one {what} component"),
                ));
            }
        }
        for c in &self.components {
            c.validate()?;
            if c.is_header() {
                check_header(c)?;
            }
        }
        Ok(())
    }

    /// The `template` object of the request body.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), Value::String(self.name.clone()));
        if self.deterministic {
            m.insert(
                "language".into(),
                json!({ "policy": "deterministic", "code": self.language_code }),
            );
        } else {
            m.insert("language".into(), json!({ "code": self.language_code }));
        }
        if !self.components.is_empty() {
            m.insert(
                "components".into(),
                Value::Array(self.components.iter().map(Component::to_json).collect()),
            );
        }
        Value::Object(m)
    }
}

/// Text parameters from strings, checked by Meta's rule (errors name the 1-based
/// position).
fn positional(
    params: impl IntoIterator<Item = impl Into<String>>,
) -> Result<Vec<Parameter>, ValidationError> {
    params
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let text = p.into();
            template_text_parameter(i, &text)?;
            Ok(Parameter::Text {
                text,
                parameter_name: None,
            })
        })
        .collect()
}

/// A header has at most one text variable.
fn check_header(header: &Component) -> Result<(), ValidationError> {
    let n = header
        .parameters()
        .iter()
        .filter(|p| matches!(p, Parameter::Text { .. }))
        .count();
    if n > 1 {
        return Err(ValidationError::new(
            "template.components.header.parameters",
            format!(
                "template header has {n} text parameters; Meta allows one variable in a header"
            ),
        ));
    }
    Ok(())
}
