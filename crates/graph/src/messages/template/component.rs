//! The components of a template message (Cloud API "Send template messages",
//! component object): the header, the body and the buttons, each with its parameters,
//! and the typed buttons (quick reply, URL, copy code, Flow, catalog).

use serde_json::{json, Map, Value};

use super::parameter::{Parameter, TemplateAction};
use crate::messages::validation::ValidationError;

/// The highest button `index` Meta accepts (buttons are numbered 0 to 9).
pub const TEMPLATE_BUTTON_INDEX_MAX: u32 = 9;

/// Meta's `sub_type` of a template button component: which kind of button of the
/// approved template the parameters fill.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum ButtonSubType {
    /// `quick_reply`: its parameter is the `payload` Meta returns when tapped.
    QuickReply,
    /// `url`: its parameter is the text that completes a dynamic URL.
    Url,
    /// `copy_code`: its parameter is the `coupon_code` copied when tapped.
    CopyCode,
    /// `flow`: its parameter is an `action` with the Flow token and data.
    Flow,
    /// `catalog`: its parameter is an `action` naming the thumbnail product.
    Catalog,
    /// `mpm`: a multi-product button.
    Mpm,
    /// Any other `sub_type` Meta adds, sent as given.
    Other(String),
}

impl ButtonSubType {
    /// Meta's spelling: `quick_reply`, `url`, `copy_code`, `flow`, `catalog`, `mpm`,
    /// or the text of [`ButtonSubType::Other`].
    pub fn as_str(&self) -> &str {
        match self {
            ButtonSubType::QuickReply => "quick_reply",
            ButtonSubType::Url => "url",
            ButtonSubType::CopyCode => "copy_code",
            ButtonSubType::Flow => "flow",
            ButtonSubType::Catalog => "catalog",
            ButtonSubType::Mpm => "mpm",
            ButtonSubType::Other(s) => s,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum ComponentKind {
    Header,
    Body,
    Button { sub_type: ButtonSubType, index: u32 },
}

/// One template component: header, body or a button, with its parameters. Its JSON
/// is `{"type":"header"|"body","parameters":[...]}` or
/// `{"type":"button","sub_type":...,"index":"0".."9","parameters":[...]}`.
///
/// The typed constructors check Meta's limits at once; [`Component::header`],
/// [`Component::body`] and [`Component::button`] take parameters as built (checked
/// again when the message is built with
/// [`OutboundMessage::template`](crate::messages::OutboundMessage::template)).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Component {
    kind: ComponentKind,
    parameters: Vec<Parameter>,
}

impl Component {
    /// `{"type":"header","parameters":[...]}`: a text header's variable, or the header
    /// image, video, document or location.
    pub fn header(parameters: impl IntoIterator<Item = Parameter>) -> Self {
        Self {
            kind: ComponentKind::Header,
            parameters: parameters.into_iter().collect(),
        }
    }

    /// `{"type":"body","parameters":[...]}`: the body's variables, in order for a
    /// positional template, by `parameter_name` for a named one.
    pub fn body(parameters: impl IntoIterator<Item = Parameter>) -> Self {
        Self {
            kind: ComponentKind::Body,
            parameters: parameters.into_iter().collect(),
        }
    }

    /// `{"type":"button","sub_type":...,"index":"n","parameters":[...]}` for the
    /// button at position `index` (0 to 9) of the approved template. Prefer the
    /// typed constructors ([`Component::quick_reply_button`],
    /// [`Component::url_button`], [`Component::copy_code_button`],
    /// [`Component::flow_button`], [`Component::catalog_button`]), which check the
    /// index and the parameter at once.
    pub fn button(
        sub_type: ButtonSubType,
        index: u32,
        parameters: impl IntoIterator<Item = Parameter>,
    ) -> Self {
        Self {
            kind: ComponentKind::Button { sub_type, index },
            parameters: parameters.into_iter().collect(),
        }
    }

    /// A quick-reply button's payload: `{"type":"button","sub_type":"quick_reply",
    /// "index":"n","parameters":[{"type":"payload","payload":...}]}`; Meta returns the
    /// payload in the webhook when the customer taps the button. Errors when `index`
    /// is above 9 or the payload is empty.
    pub fn quick_reply_button(
        index: u32,
        payload: impl Into<String>,
    ) -> Result<Self, ValidationError> {
        let payload = payload.into();
        if payload.is_empty() {
            return Err(ValidationError::new(
                "template.components.parameters.payload",
                format!("quick-reply button {index} has an empty payload"),
            ));
        }
        Self::checked(
            ButtonSubType::QuickReply,
            index,
            Parameter::Payload(payload),
        )
    }

    /// A dynamic URL button's variable: `{"type":"button","sub_type":"url",
    /// "index":"n","parameters":[{"type":"text","text":suffix}]}`; `suffix` completes
    /// the URL approved with the template (`https://example.com/track/{{1}}`).
    /// Errors when `index` is above 9 or the suffix breaks the text rule of
    /// [`Parameter::text`].
    pub fn url_button(index: u32, suffix: impl Into<String>) -> Result<Self, ValidationError> {
        Self::checked(ButtonSubType::Url, index, Parameter::text(suffix)?)
    }

    /// A copy-code button's coupon: `{"type":"button","sub_type":"copy_code",
    /// "index":"n","parameters":[{"type":"coupon_code","coupon_code":...}]}` (Cloud
    /// API "Coupon code templates"). Errors when `index` is above 9 or the code is not
    /// 1 to 15 characters.
    pub fn copy_code_button(
        index: u32,
        coupon_code: impl Into<String>,
    ) -> Result<Self, ValidationError> {
        Self::checked(
            ButtonSubType::CopyCode,
            index,
            Parameter::coupon_code(coupon_code)?,
        )
    }

    /// A Flow button's action: `{"type":"button","sub_type":"flow","index":"n",
    /// "parameters":[{"type":"action","action":{"flow_token"?,"flow_action_data"?}}]}`.
    /// `flow_action_data` is the first screen's data (a JSON object). Errors when
    /// `index` is above 9 or the data is not an object.
    pub fn flow_button(
        index: u32,
        flow_token: Option<String>,
        flow_action_data: Option<Value>,
    ) -> Result<Self, ValidationError> {
        if flow_action_data.as_ref().is_some_and(|d| !d.is_object()) {
            return Err(ValidationError::new(
                "template.components.parameters.action.flow_action_data",
                "flow_action_data must be a JSON object",
            ));
        }
        Self::checked(
            ButtonSubType::Flow,
            index,
            Parameter::Action(TemplateAction::Flow {
                flow_token,
                flow_action_data,
            }),
        )
    }

    /// A catalog button's thumbnail: `{"type":"button","sub_type":"catalog",
    /// "index":"n","parameters":[{"type":"action","action":
    /// {"thumbnail_product_retailer_id":...}}]}`. Errors when `index` is above 9 or
    /// the retailer id is empty.
    pub fn catalog_button(
        index: u32,
        thumbnail_product_retailer_id: impl Into<String>,
    ) -> Result<Self, ValidationError> {
        let id = thumbnail_product_retailer_id.into();
        if id.trim().is_empty() {
            return Err(ValidationError::new(
                "template.components.parameters.action.thumbnail_product_retailer_id",
                "the catalog button's thumbnail_product_retailer_id is empty",
            ));
        }
        Self::checked(
            ButtonSubType::Catalog,
            index,
            Parameter::Action(TemplateAction::Catalog {
                thumbnail_product_retailer_id: id,
            }),
        )
    }

    fn checked(
        sub_type: ButtonSubType,
        index: u32,
        parameter: Parameter,
    ) -> Result<Self, ValidationError> {
        let c = Self::button(sub_type, index, [parameter]);
        c.validate()?;
        Ok(c)
    }

    /// The parameters.
    pub fn parameters(&self) -> &[Parameter] {
        &self.parameters
    }

    /// Meta's component `type`: `header`, `body` or `button`.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            ComponentKind::Header => "header",
            ComponentKind::Body => "body",
            ComponentKind::Button { .. } => "button",
        }
    }

    /// A button's `sub_type`; `None` for a header or body.
    pub fn button_sub_type(&self) -> Option<&ButtonSubType> {
        match &self.kind {
            ComponentKind::Button { sub_type, .. } => Some(sub_type),
            _ => None,
        }
    }

    /// A button's `index`; `None` for a header or body.
    pub fn button_index(&self) -> Option<u32> {
        match &self.kind {
            ComponentKind::Button { index, .. } => Some(*index),
            _ => None,
        }
    }

    pub(super) fn is_body(&self) -> bool {
        matches!(self.kind, ComponentKind::Body)
    }

    pub(super) fn is_header(&self) -> bool {
        matches!(self.kind, ComponentKind::Header)
    }

    /// Checks every parameter, a button's index, and that a component's text
    /// parameters are either all named (with distinct names) or all positional.
    pub(crate) fn validate(&self) -> Result<(), ValidationError> {
        let kind = self.type_name();
        for (i, p) in self.parameters.iter().enumerate() {
            p.check(i)?;
        }
        let texts = || {
            self.parameters
                .iter()
                .filter(|p| matches!(p, Parameter::Text { .. }))
        };
        let named: Vec<&str> = texts().filter_map(Parameter::parameter_name).collect();
        if !named.is_empty() && named.len() != texts().count() {
            return Err(ValidationError::new(
                format!("template.components.{kind}.parameters"),
                format!(
                    "template {kind} mixes named and positional text parameters; a template's parameter_format is either NAMED or POSITIONAL"
                ),
            ));
        }
        for (i, n) in named.iter().enumerate() {
            if named[..i].contains(n) {
                return Err(ValidationError::new(
                    format!("template.components.{kind}.parameters"),
                    format!("template {kind} names the parameter {n:?} twice"),
                ));
            }
        }
        if let ComponentKind::Button { index, .. } = &self.kind {
            if *index > TEMPLATE_BUTTON_INDEX_MAX {
                return Err(ValidationError::new(
                    "template.components.index",
                    format!(
                        "template button index {index} is outside 0 to {TEMPLATE_BUTTON_INDEX_MAX}"
                    ),
                ));
            }
        }
        Ok(())
    }

    pub(super) fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), json!(self.type_name()));
        if let ComponentKind::Button { sub_type, index } = &self.kind {
            m.insert("sub_type".into(), json!(sub_type.as_str()));
            m.insert("index".into(), Value::String(index.to_string()));
        }
        m.insert(
            "parameters".into(),
            Value::Array(self.parameters.iter().map(Parameter::to_json).collect()),
        );
        Value::Object(m)
    }
}
