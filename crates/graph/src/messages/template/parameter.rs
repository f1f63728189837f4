//! The parameters of a template component (Cloud API "Send template messages",
//! parameter object): text (positional or named), currency, date and time, header
//! media and location, and button payloads, coupon codes and actions.

use serde_json::{json, Map, Value};

use crate::messages::validation::{
    template_parameter_name, template_text_parameter, ValidationError,
};

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
    /// A positional text parameter (`{"type":"text","text":...}`) for a `{{n}}`
    /// variable. Errors when it is empty or contains a newline, a tab or more than 4
    /// consecutive spaces (Meta's rule, error 132018).
    pub fn text(text: impl Into<String>) -> Result<Self, ValidationError> {
        let text = text.into();
        template_text_parameter(0, &text)?;
        Ok(Parameter::Text {
            text,
            parameter_name: None,
        })
    }

    /// A named text parameter (`{"type":"text","parameter_name":name,"text":...}`)
    /// for a `{{name}}` variable of a template whose `parameter_format` is `NAMED`.
    /// Errors when the name is not lowercase letters, digits and underscores (as
    /// Meta names variables), or the text breaks the rule of [`Parameter::text`].
    pub fn named_text(
        name: impl Into<String>,
        text: impl Into<String>,
    ) -> Result<Self, ValidationError> {
        let (name, text) = (name.into(), text.into());
        template_parameter_name(&name)?;
        template_text_parameter(0, &text)?;
        Ok(Parameter::Text {
            text,
            parameter_name: Some(name),
        })
    }

    /// A coupon code for a copy-code button (`{"type":"coupon_code","coupon_code":...}`).
    /// Errors unless it is 1 to 15 characters (Meta's limit).
    pub fn coupon_code(code: impl Into<String>) -> Result<Self, ValidationError> {
        let p = Parameter::CouponCode(code.into());
        p.check(0)?;
        Ok(p)
    }

    /// The `parameter_name` of a named text parameter.
    pub fn parameter_name(&self) -> Option<&str> {
        match self {
            Parameter::Text {
                parameter_name: Some(n),
                ..
            } => Some(n),
            _ => None,
        }
    }

    /// Checks this parameter, the `index`-th (0-based) of its component, against
    /// Meta's limits: the text rule, a named parameter's name, a coupon code's
    /// length, and a header media id or link.
    pub(crate) fn check(&self, index: usize) -> Result<(), ValidationError> {
        match self {
            Parameter::Text {
                text,
                parameter_name,
            } => {
                if let Some(n) = parameter_name {
                    template_parameter_name(n)?;
                }
                template_text_parameter(index, text)
            }
            Parameter::CouponCode(code) => {
                let n = code.chars().count();
                if n == 0 || n > COUPON_CODE_MAX_CHARS {
                    return Err(ValidationError::new(
                        "template.components.parameters.coupon_code",
                        format!(
                            "coupon code is {n} characters; Meta allows 1 to {COUPON_CODE_MAX_CHARS}"
                        ),
                    ));
                }
                Ok(())
            }
            Parameter::Image(m) | Parameter::Video(m) => link_or_id(m),
            Parameter::Document { media, .. } => link_or_id(media),
            _ => Ok(()),
        }
    }

    pub(crate) fn to_json(&self) -> Value {
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

/// Meta's limit on a copy-code button's coupon code, in characters.
pub const COUPON_CODE_MAX_CHARS: usize = 15;

fn link_or_id(m: &MediaRef) -> Result<(), ValidationError> {
    match m {
        MediaRef::Id(id) => crate::messages::validation::id_value(
            "template.components.parameters.id",
            "media id",
            id,
        ),
        MediaRef::Link(l) => crate::messages::validation::http_link(
            "template.components.parameters.link",
            "media link",
            l,
        ),
    }
}
