//! Meta's template library: ready-made utility and authentication templates
//! (`GET /message_template_library`), and creating a template of the WABA from one
//! (`POST /{waba_id}/message_templates` with `library_template_name`), as the
//! "Template Library" page of the Cloud API describes.
//!
//! A library template is approved at once when created as is; its buttons need the
//! business's own values (`library_template_button_inputs`: a URL with an example
//! suffix, a phone number), and authentication templates take options
//! (`library_template_body_inputs`). Errors: 100 (unknown library template, missing
//! button input), 2388xxx (template creation refused; [`crate::ErrorClass::TemplateProblem`]
//! for the ones classified), 200 and 10 (permissions).

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::client::GraphClient;
use crate::error::GraphError;
use crate::messages::ValidationError;
use crate::node::to_body;
use crate::templates::{CreatedTemplate, TemplateCategory, TEMPLATE_NAME_MAX_CHARS};

/// One template of the library. Unknown fields are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LibraryTemplate {
    /// The library template's name, for `library_template_name`.
    pub name: String,
    /// Its id.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub id: Option<String>,
    /// Language, e.g. `en_US`.
    #[serde(default)]
    pub language: Option<String>,
    /// `UTILITY` or `AUTHENTICATION`.
    #[serde(default)]
    pub category: Option<String>,
    /// Topic, e.g. `ORDER_MANAGEMENT`.
    #[serde(default)]
    pub topic: Option<String>,
    /// Use case, e.g. `SHIPMENT_CONFIRMATION`.
    #[serde(default)]
    pub usecase: Option<String>,
    /// Industries, e.g. `E_COMMERCE`.
    #[serde(default)]
    pub industry: Vec<String>,
    /// Header text.
    #[serde(default)]
    pub header: Option<String>,
    /// Body text with `{{1}}`-style parameters.
    #[serde(default)]
    pub body: Option<String>,
    /// Sample values of the body parameters.
    #[serde(default)]
    pub body_params: Vec<String>,
    /// Buttons, as Meta gives them (`type`, `text`, `url`, `phone_number`, ...).
    #[serde(default)]
    pub buttons: Vec<Value>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The filters of `GET /message_template_library` (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TemplateLibraryQuery {
    /// Free text in names and content (`search`).
    pub search: Option<String>,
    /// `topic`, e.g. `ORDER_MANAGEMENT`, `PAYMENTS`, `IDENTITY_VERIFICATION`.
    pub topic: Option<String>,
    /// `usecase`, e.g. `SHIPMENT_CONFIRMATION`, `ONE_TIME_PASSWORD`.
    pub usecase: Option<String>,
    /// `industry`, e.g. `E_COMMERCE`, `FINANCIAL_SERVICES`.
    pub industry: Option<String>,
    /// `language`, e.g. `en_US`.
    pub language: Option<String>,
}

impl TemplateLibraryQuery {
    /// No filter: the whole library.
    pub fn new() -> Self {
        Self::default()
    }

    /// Free text in names and content.
    pub fn search(mut self, v: impl Into<String>) -> Self {
        self.search = Some(v.into());
        self
    }

    /// Only this topic.
    pub fn topic(mut self, v: impl Into<String>) -> Self {
        self.topic = Some(v.into());
        self
    }

    /// Only this use case.
    pub fn usecase(mut self, v: impl Into<String>) -> Self {
        self.usecase = Some(v.into());
        self
    }

    /// Only this industry.
    pub fn industry(mut self, v: impl Into<String>) -> Self {
        self.industry = Some(v.into());
        self
    }

    /// Only this language.
    pub fn language(mut self, v: impl Into<String>) -> Self {
        self.language = Some(v.into());
        self
    }

    /// The query pairs sent.
    pub fn to_query(&self) -> Vec<(&'static str, String)> {
        [
            ("search", &self.search),
            ("topic", &self.topic),
            ("usecase", &self.usecase),
            ("industry", &self.industry),
            ("language", &self.language),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
        .collect()
    }
}

/// A button's value for a library template (`library_template_button_inputs[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum LibraryButtonInput {
    /// `{"type": "URL", "url": {"base_url", "url_suffix_example"}}`: the business's URL,
    /// with `{{1}}` where a per-message suffix goes, and an example of a full URL.
    Url {
        /// `url`.
        url: LibraryUrl,
    },
    /// `{"type": "PHONE_NUMBER", "phone_number": "+15550000001"}`.
    PhoneNumber {
        /// The number to call.
        phone_number: String,
    },
    /// `{"type": "QUICK_REPLY"}`.
    QuickReply,
    /// `{"type": "OTP", "otp_type": …}` and its options, for authentication templates.
    Otp {
        /// `COPY_CODE`, `ONE_TAP` or `ZERO_TAP`.
        otp_type: String,
        /// Every other field (`supported_apps`, `zero_tap_terms_accepted`, ...).
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
}

/// `url` of a [`LibraryButtonInput::Url`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct LibraryUrl {
    /// The URL, e.g. `https://example.com/track/{{1}}`.
    pub base_url: String,
    /// An example of a full URL, when `base_url` has a parameter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url_suffix_example: Option<String>,
}

impl LibraryButtonInput {
    /// A URL button: `base_url` (http or https), with its example when it has a
    /// `{{1}}` suffix.
    pub fn url(
        base_url: impl Into<String>,
        url_suffix_example: Option<String>,
    ) -> Result<Self, ValidationError> {
        let base_url = base_url.into();
        let ok = url::Url::parse(&base_url.replace("{{1}}", "x"))
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if !ok {
            return Err(ValidationError::new(
                "library_template_button_inputs.url.base_url",
                format!("{base_url:?} is not an http(s) URL"),
            ));
        }
        if base_url.contains("{{1}}") && url_suffix_example.is_none() {
            return Err(ValidationError::new(
                "library_template_button_inputs.url.url_suffix_example",
                "a URL with {{1}} needs an example of the full URL",
            ));
        }
        Ok(Self::Url {
            url: LibraryUrl {
                base_url,
                url_suffix_example,
            },
        })
    }

    /// A call button to `phone_number` (E.164, with `+`).
    pub fn phone_number(phone_number: impl Into<String>) -> Self {
        Self::PhoneNumber {
            phone_number: phone_number.into(),
        }
    }
}

/// `library_template_body_inputs` of an authentication library template.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct LibraryBodyInputs {
    /// Add "For your security, do not share this code."
    #[serde(skip_serializing_if = "Option::is_none")]
    pub add_security_recommendation: Option<bool>,
    /// Minutes until the code expires (1 to 90), shown in the footer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_expiration_minutes: Option<u8>,
    /// Add the business's contact number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub add_contact_number: Option<bool>,
    /// Add a "learn more" link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub add_learn_more_link: Option<bool>,
    /// Add a package tracking link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub add_track_package_link: Option<bool>,
}

impl LibraryBodyInputs {
    /// No options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or not) the security recommendation.
    pub fn add_security_recommendation(mut self, on: bool) -> Self {
        self.add_security_recommendation = Some(on);
        self
    }

    /// Minutes until the code expires (checked 1 to 90 by
    /// [`NewLibraryTemplate::body_inputs`]).
    pub fn code_expiration_minutes(mut self, minutes: u8) -> Self {
        self.code_expiration_minutes = Some(minutes);
        self
    }

    /// Adds (or not) the business's contact number.
    pub fn add_contact_number(mut self, on: bool) -> Self {
        self.add_contact_number = Some(on);
        self
    }

    /// Adds (or not) a "learn more" link.
    pub fn add_learn_more_link(mut self, on: bool) -> Self {
        self.add_learn_more_link = Some(on);
        self
    }

    /// Adds (or not) a package tracking link.
    pub fn add_track_package_link(mut self, on: bool) -> Self {
        self.add_track_package_link = Some(on);
        self
    }
}

/// The body of a template created from a library template.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewLibraryTemplate {
    name: String,
    language: String,
    category: TemplateCategory,
    library_template_name: String,
    button_inputs: Vec<LibraryButtonInput>,
    body_inputs: Option<LibraryBodyInputs>,
}

impl NewLibraryTemplate {
    /// The WABA's template `name` (lowercase letters, digits, underscores; at most 512)
    /// in `language`, made from the library template `library_template_name`.
    pub fn new(
        name: impl Into<String>,
        language: impl Into<String>,
        category: TemplateCategory,
        library_template_name: impl Into<String>,
    ) -> Result<Self, ValidationError> {
        let name = name.into();
        let n = name.chars().count();
        if n == 0
            || n > TEMPLATE_NAME_MAX_CHARS
            || !name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(ValidationError::new(
                "name",
                format!("template name {name:?} must be 1 to {TEMPLATE_NAME_MAX_CHARS} lowercase letters, digits or underscores"),
            ));
        }
        let library_template_name = library_template_name.into();
        if library_template_name.trim().is_empty() {
            return Err(ValidationError::new(
                "library_template_name",
                "the library template name is empty",
            ));
        }
        Ok(Self {
            name,
            language: language.into(),
            category,
            library_template_name,
            button_inputs: Vec::new(),
            body_inputs: None,
        })
    }

    /// Adds the value of the library template's next button.
    pub fn button_input(mut self, b: LibraryButtonInput) -> Self {
        self.button_inputs.push(b);
        self
    }

    /// The options of an authentication template; `code_expiration_minutes` must be
    /// 1 to 90.
    pub fn body_inputs(mut self, b: LibraryBodyInputs) -> Result<Self, ValidationError> {
        if b.code_expiration_minutes
            .is_some_and(|m| !(1..=90).contains(&m))
        {
            return Err(ValidationError::new(
                "library_template_body_inputs.code_expiration_minutes",
                "code expiration is 1 to 90 minutes",
            ));
        }
        self.body_inputs = Some(b);
        Ok(self)
    }

    /// The request body.
    pub fn to_json(&self) -> Result<Value, GraphError> {
        let mut m = Map::new();
        m.insert("name".into(), json!(self.name));
        m.insert("language".into(), json!(self.language));
        m.insert("category".into(), json!(self.category.as_str()));
        m.insert(
            "library_template_name".into(),
            json!(self.library_template_name),
        );
        if !self.button_inputs.is_empty() {
            m.insert(
                "library_template_button_inputs".into(),
                to_body(&self.button_inputs)?,
            );
        }
        if let Some(b) = &self.body_inputs {
            m.insert("library_template_body_inputs".into(), to_body(b)?);
        }
        Ok(Value::Object(m))
    }
}

impl GraphClient {
    /// The template library (`GET /message_template_library`, all pages), filtered.
    pub async fn template_library(
        &self,
        query: &TemplateLibraryQuery,
    ) -> Result<Vec<LibraryTemplate>, GraphError> {
        let url = self.node_url(&["message_template_library"]);
        let pairs = query.to_query();
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.get_all_pages(&url, &pairs, "template library answer")
            .await
    }

    /// Creates a template of the WABA from a library template (`POST
    /// /{waba_id}/message_templates` with `library_template_name`).
    pub async fn create_template_from_library(
        &self,
        t: &NewLibraryTemplate,
    ) -> Result<CreatedTemplate, GraphError> {
        let waba = self.require_waba("create_template_from_library")?;
        self.write_node(
            Method::POST,
            &[waba, "message_templates"],
            &[],
            Some(t.to_json()?),
            "template creation answer",
        )
        .await
    }
}
