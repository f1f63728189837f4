//! Template messages (`"type": "template"`): name, language and the components that
//! fill the template's variables (Cloud API "Send template messages").

use serde_json::{json, Map, Value};

use super::validation::{template_text_parameter, ValidationError};

/// A media object given by uploaded media id or by public HTTPS link.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum MediaRef {
    /// An id returned by the media upload endpoint (`{"id": ...}`).
    Id(String),
    /// A public URL Meta downloads from (`{"link": ...}`).
    Link(String),
}

impl MediaRef {
    pub(crate) fn to_json_map(&self) -> Map<String, Value> {
        self.to_json()
    }

    /// `id` or `link`: the key this reference is sent under.
    pub(crate) fn key(&self) -> &'static str {
        match self {
            MediaRef::Id(_) => "id",
            MediaRef::Link(_) => "link",
        }
    }

    fn to_json(&self) -> Map<String, Value> {
        let mut m = Map::new();
        match self {
            MediaRef::Id(id) => m.insert("id".into(), Value::String(id.clone())),
            MediaRef::Link(l) => m.insert("link".into(), Value::String(l.clone())),
        };
        m
    }
}

/// A currency parameter: `amount_1000` is the amount times 1000 (e.g. 100990 = 100.99).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Currency {
    /// Shown when the client cannot format the amount.
    pub fallback_value: String,
    /// ISO 4217 code, e.g. `USD`.
    pub code: String,
    /// Amount multiplied by 1000.
    pub amount_1000: i64,
}

impl Currency {
    /// A currency amount: `fallback_value` (e.g. `$100.99`), ISO 4217 `code` (`USD`)
    /// and `amount_1000`, the amount times 1000 (`100990`).
    pub fn new(
        fallback_value: impl Into<String>,
        code: impl Into<String>,
        amount_1000: i64,
    ) -> Self {
        Self {
            fallback_value: fallback_value.into(),
            code: code.into(),
            amount_1000,
        }
    }
}

/// One parameter of a template component.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum Parameter {
    /// `{"type":"text","text":...}`; `parameter_name` for named-parameter templates.
    Text {
        /// The value; no newline, tab or more than 4 consecutive spaces.
        text: String,
        /// For templates with named parameters (`{{first_name}}`).
        parameter_name: Option<String>,
    },
    /// `{"type":"currency","currency":{...}}`.
    Currency(Currency),
    /// `{"type":"date_time","date_time":{"fallback_value":...}}`.
    DateTime {
        /// The date as text.
        fallback_value: String,
    },
    /// Header image.
    Image(MediaRef),
    /// Header video.
    Video(MediaRef),
    /// Header document, with an optional file name.
    Document {
        /// The document.
        media: MediaRef,
        /// File name shown to the customer.
        filename: Option<String>,
    },
    /// Header location.
    Location {
        /// Latitude in degrees.
        latitude: f64,
        /// Longitude in degrees.
        longitude: f64,
        /// Place name.
        name: Option<String>,
        /// Address.
        address: Option<String>,
    },
    /// Quick-reply button payload (`{"type":"payload","payload":...}`).
    Payload(String),
    /// A button action (`{"type":"action","action":{...}}`): the catalog thumbnail
    /// of a catalog button, or the token and data of a Flow button.
    Action(TemplateAction),
    /// `{"type":"date_time","date_time":{...}}` with the calendar parts as well as the
    /// fallback text (Meta now renders only `fallback_value`; the parts are kept for
    /// senders that match older documented bodies).
    DateTimeParts(DateTimeParts),
    /// A coupon code for a `copy_code` button (`{"type":"coupon_code","coupon_code":...}`),
    /// at most 15 characters.
    CouponCode(String),
}

/// The `action` of a template button parameter.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum TemplateAction {
    /// Catalog button: `{"thumbnail_product_retailer_id": ...}`.
    Catalog {
        /// The product whose image is the thumbnail.
        thumbnail_product_retailer_id: String,
    },
    /// Flow button: `{"flow_token"?: ..., "flow_action_data"?: {...}}`.
    Flow {
        /// The business's Flow token.
        flow_token: Option<String>,
        /// Initial data for the first screen (a JSON object).
        flow_action_data: Option<serde_json::Value>,
    },
}

/// A `date_time` parameter with calendar parts. Meta shows `fallback_value`; the
/// other parts are optional and sent only when set.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct DateTimeParts {
    /// The date as text, e.g. `February 25, 1977`.
    pub fallback_value: String,
    /// `GREGORIAN` or `SOLAR_HIJRI`.
    pub calendar: Option<String>,
    /// 1 (Monday) to 7 (Sunday).
    pub day_of_week: Option<u8>,
    /// Year.
    pub year: Option<i32>,
    /// 1 to 12.
    pub month: Option<u8>,
    /// 1 to 31.
    pub day_of_month: Option<u8>,
    /// 0 to 23.
    pub hour: Option<u8>,
    /// 0 to 59.
    pub minute: Option<u8>,
}

impl DateTimeParts {
    /// Only the fallback text; set the parts as fields.
    pub fn new(fallback_value: impl Into<String>) -> Self {
        Self {
            fallback_value: fallback_value.into(),
            ..Self::default()
        }
    }
}

impl Parameter {
    /// A positional text parameter, checked against Meta's rule for parameters.
    pub fn text(text: impl Into<String>) -> Result<Self, ValidationError> {
        let text = text.into();
        template_text_parameter(0, &text)?;
        Ok(Parameter::Text {
            text,
            parameter_name: None,
        })
    }

    /// A named text parameter (`parameter_name`), checked against Meta's rule.
    pub fn named_text(
        name: impl Into<String>,
        text: impl Into<String>,
    ) -> Result<Self, ValidationError> {
        let text = text.into();
        template_text_parameter(0, &text)?;
        Ok(Parameter::Text {
            text,
            parameter_name: Some(name.into()),
        })
    }

    fn to_json(&self) -> Value {
        match self {
            Parameter::Text {
                text,
                parameter_name,
            } => {
                let mut m = Map::new();
                m.insert("type".into(), json!("text"));
                if let Some(n) = parameter_name {
                    m.insert("parameter_name".into(), Value::String(n.clone()));
                }
                m.insert("text".into(), Value::String(text.clone()));
                Value::Object(m)
            }
            Parameter::Currency(c) => json!({
                "type": "currency",
                "currency": {"fallback_value": c.fallback_value, "code": c.code, "amount_1000": c.amount_1000}
            }),
            Parameter::DateTime { fallback_value } => json!({
                "type": "date_time",
                "date_time": {"fallback_value": fallback_value}
            }),
            Parameter::Image(m) => json!({"type": "image", "image": Value::Object(m.to_json())}),
            Parameter::Video(m) => json!({"type": "video", "video": Value::Object(m.to_json())}),
            Parameter::Document { media, filename } => {
                let mut d = media.to_json();
                if let Some(f) = filename {
                    d.insert("filename".into(), Value::String(f.clone()));
                }
                json!({"type": "document", "document": Value::Object(d)})
            }
            Parameter::Location {
                latitude,
                longitude,
                name,
                address,
            } => {
                let mut l = Map::new();
                l.insert("latitude".into(), json!(latitude));
                l.insert("longitude".into(), json!(longitude));
                if let Some(n) = name {
                    l.insert("name".into(), Value::String(n.clone()));
                }
                if let Some(a) = address {
                    l.insert("address".into(), Value::String(a.clone()));
                }
                json!({"type": "location", "location": Value::Object(l)})
            }
            Parameter::Payload(p) => json!({"type": "payload", "payload": p}),
            Parameter::Action(TemplateAction::Catalog {
                thumbnail_product_retailer_id,
            }) => json!({"type": "action", "action": {
                "thumbnail_product_retailer_id": thumbnail_product_retailer_id
            }}),
            Parameter::Action(TemplateAction::Flow {
                flow_token,
                flow_action_data,
            }) => {
                let mut a = Map::new();
                if let Some(t) = flow_token {
                    a.insert("flow_token".into(), json!(t));
                }
                if let Some(d) = flow_action_data {
                    a.insert("flow_action_data".into(), d.clone());
                }
                json!({"type": "action", "action": Value::Object(a)})
            }
            Parameter::DateTimeParts(d) => {
                let mut m = Map::new();
                m.insert("fallback_value".into(), json!(d.fallback_value));
                let parts = [
                    ("day_of_week", d.day_of_week.map(i64::from)),
                    ("year", d.year.map(i64::from)),
                    ("month", d.month.map(i64::from)),
                    ("day_of_month", d.day_of_month.map(i64::from)),
                    ("hour", d.hour.map(i64::from)),
                    ("minute", d.minute.map(i64::from)),
                ];
                for (k, v) in parts {
                    if let Some(v) = v {
                        m.insert(k.into(), json!(v));
                    }
                }
                if let Some(c) = &d.calendar {
                    m.insert("calendar".into(), json!(c));
                }
                json!({"type": "date_time", "date_time": Value::Object(m)})
            }
            Parameter::CouponCode(c) => json!({"type": "coupon_code", "coupon_code": c}),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum ComponentKind {
    Header,
    Body,
    Button { sub_type: String, index: u32 },
}

/// One template component: header, body or a button, with its parameters.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Component {
    kind: ComponentKind,
    parameters: Vec<Parameter>,
}

impl Component {
    /// `{"type":"header","parameters":[...]}`.
    pub fn header(parameters: Vec<Parameter>) -> Self {
        Self {
            kind: ComponentKind::Header,
            parameters,
        }
    }

    /// `{"type":"body","parameters":[...]}`.
    pub fn body(parameters: Vec<Parameter>) -> Self {
        Self {
            kind: ComponentKind::Body,
            parameters,
        }
    }

    /// `{"type":"button","sub_type":..,"index":"..","parameters":[...]}`; `sub_type` is
    /// Meta's (`quick_reply`, `url`, `copy_code`, `flow`, ...), `index` the button's
    /// position (0–9).
    pub fn button(sub_type: impl Into<String>, index: u32, parameters: Vec<Parameter>) -> Self {
        Self {
            kind: ComponentKind::Button {
                sub_type: sub_type.into(),
                index,
            },
            parameters,
        }
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

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), json!(self.type_name()));
        if let ComponentKind::Button { sub_type, index } = &self.kind {
            m.insert("sub_type".into(), Value::String(sub_type.clone()));
            m.insert("index".into(), Value::String(index.to_string()));
        }
        m.insert(
            "parameters".into(),
            Value::Array(self.parameters.iter().map(Parameter::to_json).collect()),
        );
        Value::Object(m)
    }
}

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

    /// Fills the body's positional variables `{{1}}..{{n}}` with text, replacing any
    /// body component set before. Each value must not be empty and must not contain a
    /// newline, a tab, or more than 4 consecutive spaces.
    pub fn body_parameters(mut self, params: Vec<String>) -> Result<Self, ValidationError> {
        for (i, p) in params.iter().enumerate() {
            template_text_parameter(i, p)?;
        }
        self.components
            .retain(|c| !matches!(c.kind, ComponentKind::Body));
        self.components.push(Component::body(
            params
                .into_iter()
                .map(|text| Parameter::Text {
                    text,
                    parameter_name: None,
                })
                .collect(),
        ));
        Ok(self)
    }

    /// Adds a component (header, body, button).
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

    /// Checks the name, language and every text parameter.
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
        for c in &self.components {
            for (i, p) in c.parameters.iter().enumerate() {
                match p {
                    Parameter::Text { text, .. } => template_text_parameter(i, text)?,
                    Parameter::CouponCode(code) => {
                        let n = code.chars().count();
                        if n == 0 || n > 15 {
                            return Err(ValidationError::new(
                                "template.components.parameters.coupon_code",
                                format!("coupon code is {n} characters; Meta allows 1 to 15"),
                            ));
                        }
                    }
                    Parameter::Image(m) | Parameter::Video(m) => link_or_id(m)?,
                    Parameter::Document { media, .. } => link_or_id(media)?,
                    _ => {}
                }
            }
            if let ComponentKind::Button { index, .. } = &c.kind {
                if *index > 9 {
                    return Err(ValidationError::new(
                        "template.components.index",
                        format!("template button index {index} is outside 0 to 9"),
                    ));
                }
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

fn link_or_id(m: &MediaRef) -> Result<(), ValidationError> {
    match m {
        MediaRef::Id(id) => {
            super::validation::id_value("template.components.parameters.id", "media id", id)
        }
        MediaRef::Link(l) => {
            super::validation::http_link("template.components.parameters.link", "media link", l)
        }
    }
}
