//! Interactive messages (`"type": "interactive"`): reply buttons, lists, `cta_url`,
//! Flows, `location_request_message`, call permission requests, catalog, single- and
//! multi-product messages (Cloud API "Send messages: interactive messages").
//!
//! Every constructor and setter checks Meta's limits and names the limit it refuses.
//!
//! This module holds the message itself ([`Interactive`]: kind, header, body, footer,
//! and the rules that depend on the kind); the kinds with parts of their own live in
//! `buttons`, `list`, `flow` and `product`.

mod buttons;
mod flow;
mod list;
mod product;

pub use buttons::ReplyButton;
pub use flow::{Flow, FlowAction};
pub use list::{ListRow, ListSection};
pub use product::ProductSection;

use serde_json::{json, Map, Value};

use crate::messages::media::{check_ref, MediaType};
use crate::messages::template::MediaRef;
use crate::messages::validation::{
    self, ValidationError, CTA_DISPLAY_TEXT_MAX_CHARS, INTERACTIVE_BODY_MAX_CHARS,
    INTERACTIVE_HEADER_FOOTER_MAX_CHARS,
};
use buttons::{buttons_action, check_buttons};
use list::{check_list, list_action};
use product::{check_product_sections, product_list_action};

/// The header of an interactive message: text (≤ 60 characters) or media.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Header {
    /// `{"type":"text","text":...}`.
    Text(String),
    /// `{"type":"image","image":{"id"|"link"}}`.
    Image(MediaRef),
    /// `{"type":"video","video":{"id"|"link"}}`.
    Video(MediaRef),
    /// `{"type":"document","document":{"id"|"link"}}`.
    Document(MediaRef),
}

impl Header {
    fn validate(&self) -> Result<(), ValidationError> {
        match self {
            Header::Text(t) => validation::required_text(
                "interactive.header.text",
                "interactive header text",
                t,
                INTERACTIVE_HEADER_FOOTER_MAX_CHARS,
            ),
            Header::Image(m) => check_ref(MediaType::Image, m),
            Header::Video(m) => check_ref(MediaType::Video, m),
            Header::Document(m) => check_ref(MediaType::Document, m),
        }
    }

    fn is_text(&self) -> bool {
        matches!(self, Header::Text(_))
    }

    fn to_json(&self) -> Value {
        match self {
            Header::Text(t) => json!({"type": "text", "text": t}),
            Header::Image(m) => json!({"type": "image", "image": Value::Object(m.to_json_map())}),
            Header::Video(m) => json!({"type": "video", "video": Value::Object(m.to_json_map())}),
            Header::Document(m) => {
                json!({"type": "document", "document": Value::Object(m.to_json_map())})
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Buttons(Vec<ReplyButton>),
    List {
        button: String,
        sections: Vec<ListSection>,
    },
    CtaUrl {
        display_text: String,
        url: String,
    },
    Flow(Flow),
    LocationRequest,
    CallPermissionRequest,
    Catalog {
        thumbnail_product_retailer_id: Option<String>,
    },
    Product {
        catalog_id: String,
        product_retailer_id: String,
    },
    ProductList {
        catalog_id: String,
        sections: Vec<ProductSection>,
    },
}

/// The `interactive` object of an interactive message: its kind and action, an
/// optional header, a body (≤ 1024 characters; optional only for single-product
/// messages) and an optional footer (≤ 60 characters).
///
/// ```
/// use wacloud_graph::messages::{Interactive, ReplyButton};
/// let i = Interactive::reply_buttons("Confirm your order?", vec![
///     ReplyButton::new("yes", "Yes")?,
///     ReplyButton::new("no", "No")?,
/// ])?.footer("Reply within 24 hours")?;
/// assert_eq!(i.type_name(), "button");
/// // A fourth button is refused, naming the limit.
/// let four = (0..4).map(|n| ReplyButton::new(format!("b{n}"), "x")).collect::<Result<Vec<_>, _>>()?;
/// assert!(Interactive::reply_buttons("?", four).unwrap_err().to_string().contains("limit is 3"));
/// # Ok::<(), wacloud_graph::messages::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interactive {
    kind: Kind,
    header: Option<Header>,
    body: Option<String>,
    footer: Option<String>,
}

impl Interactive {
    fn build(kind: Kind, body: Option<String>) -> Result<Self, ValidationError> {
        let i = Self {
            kind,
            header: None,
            body,
            footer: None,
        };
        i.validate()?;
        Ok(i)
    }

    /// Reply buttons (`type: button`): 1 to 3 buttons with distinct ids and titles.
    pub fn reply_buttons(
        body: impl Into<String>,
        buttons: Vec<ReplyButton>,
    ) -> Result<Self, ValidationError> {
        Self::build(Kind::Buttons(buttons), Some(body.into()))
    }

    /// A list (`type: list`): a button text (≤ 20 characters) that opens up to 10
    /// sections holding at most 10 rows in total, with distinct row ids.
    pub fn list(
        body: impl Into<String>,
        button_text: impl Into<String>,
        sections: Vec<ListSection>,
    ) -> Result<Self, ValidationError> {
        Self::build(
            Kind::List {
                button: button_text.into(),
                sections,
            },
            Some(body.into()),
        )
    }

    /// A call-to-action URL button (`type: cta_url`): `display_text` (≤ 20
    /// characters) opening `url` (http or https).
    pub fn cta_url(
        body: impl Into<String>,
        display_text: impl Into<String>,
        url: impl Into<String>,
    ) -> Result<Self, ValidationError> {
        Self::build(
            Kind::CtaUrl {
                display_text: display_text.into(),
                url: url.into(),
            },
            Some(body.into()),
        )
    }

    /// A Flow message (`type: flow`).
    pub fn flow(body: impl Into<String>, flow: Flow) -> Result<Self, ValidationError> {
        Self::build(Kind::Flow(flow), Some(body.into()))
    }

    /// Asks the customer to share their location (`type: location_request_message`,
    /// action `send_location`). No header or footer.
    pub fn location_request(body: impl Into<String>) -> Result<Self, ValidationError> {
        Self::build(Kind::LocationRequest, Some(body.into()))
    }

    /// Asks the customer for permission to call them (`type:
    /// call_permission_request`, Calling API).
    pub fn call_permission_request(body: impl Into<String>) -> Result<Self, ValidationError> {
        Self::build(Kind::CallPermissionRequest, Some(body.into()))
    }

    /// Shows the business's catalog (`type: catalog_message`), optionally with one
    /// product's image as the thumbnail.
    pub fn catalog(
        body: impl Into<String>,
        thumbnail_product_retailer_id: Option<String>,
    ) -> Result<Self, ValidationError> {
        Self::build(
            Kind::Catalog {
                thumbnail_product_retailer_id,
            },
            Some(body.into()),
        )
    }

    /// One product of a catalog (`type: product`). The body is optional (set it with
    /// [`Interactive::body`]); no header is allowed.
    pub fn product(
        catalog_id: impl Into<String>,
        product_retailer_id: impl Into<String>,
    ) -> Result<Self, ValidationError> {
        Self::build(
            Kind::Product {
                catalog_id: catalog_id.into(),
                product_retailer_id: product_retailer_id.into(),
            },
            None,
        )
    }

    /// Several products (`type: product_list`): a text header is required, up to 10
    /// titled sections and at most 30 products in total.
    pub fn product_list(
        header_text: impl Into<String>,
        body: impl Into<String>,
        catalog_id: impl Into<String>,
        sections: Vec<ProductSection>,
    ) -> Result<Self, ValidationError> {
        let i = Self {
            kind: Kind::ProductList {
                catalog_id: catalog_id.into(),
                sections,
            },
            header: Some(Header::Text(header_text.into())),
            body: Some(body.into()),
            footer: None,
        };
        i.validate()?;
        Ok(i)
    }

    /// Sets the header; errors when this kind does not take that header (lists and
    /// product lists: text only; product, location request, call permission and
    /// catalog: none).
    pub fn header(mut self, header: Header) -> Result<Self, ValidationError> {
        self.header = Some(header);
        self.validate()?;
        Ok(self)
    }

    /// Sets the footer (≤ 60 characters); not allowed on location requests.
    pub fn footer(mut self, footer: impl Into<String>) -> Result<Self, ValidationError> {
        self.footer = Some(footer.into());
        self.validate()?;
        Ok(self)
    }

    /// Sets or replaces the body text (≤ 1024 characters).
    pub fn body(mut self, body: impl Into<String>) -> Result<Self, ValidationError> {
        self.body = Some(body.into());
        self.validate()?;
        Ok(self)
    }

    /// Meta's `interactive.type`: `button`, `list`, `cta_url`, `flow`,
    /// `location_request_message`, `call_permission_request`, `catalog_message`,
    /// `product` or `product_list`.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Buttons(_) => "button",
            Kind::List { .. } => "list",
            Kind::CtaUrl { .. } => "cta_url",
            Kind::Flow(_) => "flow",
            Kind::LocationRequest => "location_request_message",
            Kind::CallPermissionRequest => "call_permission_request",
            Kind::Catalog { .. } => "catalog_message",
            Kind::Product { .. } => "product",
            Kind::ProductList { .. } => "product_list",
        }
    }

    /// The body text, if any.
    pub fn body_text(&self) -> Option<&str> {
        self.body.as_deref()
    }

    /// Checks every limit again.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let ty = self.type_name();
        match &self.body {
            Some(b) => validation::required_text(
                "interactive.body.text",
                "interactive body",
                b,
                INTERACTIVE_BODY_MAX_CHARS,
            )?,
            None if !matches!(self.kind, Kind::Product { .. }) => {
                return Err(ValidationError::new(
                    "interactive.body.text",
                    format!("a {ty} message needs a body text"),
                ))
            }
            None => {}
        }
        if let Some(f) = &self.footer {
            if matches!(self.kind, Kind::LocationRequest) {
                return Err(ValidationError::new(
                    "interactive.footer",
                    "a location request message cannot have a footer",
                ));
            }
            validation::required_text(
                "interactive.footer.text",
                "interactive footer",
                f,
                INTERACTIVE_HEADER_FOOTER_MAX_CHARS,
            )?;
        }
        if let Some(h) = &self.header {
            let allowed = match self.kind {
                Kind::Buttons(_) | Kind::CtaUrl { .. } | Kind::Flow(_) => true,
                Kind::List { .. } | Kind::ProductList { .. } => h.is_text(),
                _ => false,
            };
            if !allowed {
                return Err(ValidationError::new(
                    "interactive.header",
                    if h.is_text() {
                        format!("a {ty} message cannot have a header")
                    } else {
                        format!("a {ty} message can only have a text header")
                    },
                ));
            }
            h.validate()?;
        }
        match &self.kind {
            Kind::Buttons(buttons) => check_buttons(buttons),
            Kind::List { button, sections } => check_list(button, sections),
            Kind::CtaUrl { display_text, url } => {
                validation::required_text(
                    "interactive.action.parameters.display_text",
                    "cta_url display text",
                    display_text,
                    CTA_DISPLAY_TEXT_MAX_CHARS,
                )?;
                validation::http_link("interactive.action.parameters.url", "cta_url URL", url)
            }
            Kind::Flow(f) => f.validate(),
            Kind::LocationRequest | Kind::CallPermissionRequest => Ok(()),
            Kind::Catalog {
                thumbnail_product_retailer_id,
            } => match thumbnail_product_retailer_id {
                Some(t) => validation::id_value(
                    "interactive.action.parameters.thumbnail_product_retailer_id",
                    "thumbnail product retailer id",
                    t,
                ),
                None => Ok(()),
            },
            Kind::Product {
                catalog_id,
                product_retailer_id,
            } => {
                validation::id_value("interactive.action.catalog_id", "catalog_id", catalog_id)?;
                validation::id_value(
                    "interactive.action.product_retailer_id",
                    "product_retailer_id",
                    product_retailer_id,
                )
            }
            Kind::ProductList {
                catalog_id,
                sections,
            } => {
                if self.header.is_none() {
                    return Err(ValidationError::new(
                        "interactive.header",
                        "a product_list message needs a text header",
                    ));
                }
                validation::id_value("interactive.action.catalog_id", "catalog_id", catalog_id)?;
                check_product_sections(sections)
            }
        }
    }

    /// The `interactive` object.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), json!(self.type_name()));
        if let Some(h) = &self.header {
            m.insert("header".into(), h.to_json());
        }
        if let Some(b) = &self.body {
            m.insert("body".into(), json!({ "text": b }));
        }
        if let Some(f) = &self.footer {
            m.insert("footer".into(), json!({ "text": f }));
        }
        let action = match &self.kind {
            Kind::Buttons(buttons) => buttons_action(buttons),
            Kind::List { button, sections } => list_action(button, sections),
            Kind::CtaUrl { display_text, url } => json!({
                "name": "cta_url",
                "parameters": {"display_text": display_text, "url": url}
            }),
            Kind::Flow(f) => f.to_json(),
            Kind::LocationRequest => json!({"name": "send_location"}),
            Kind::CallPermissionRequest => json!({"name": "call_permission_request"}),
            Kind::Catalog {
                thumbnail_product_retailer_id,
            } => {
                let mut a = Map::new();
                a.insert("name".into(), json!("catalog_message"));
                if let Some(t) = thumbnail_product_retailer_id {
                    a.insert(
                        "parameters".into(),
                        json!({ "thumbnail_product_retailer_id": t }),
                    );
                }
                Value::Object(a)
            }
            Kind::Product {
                catalog_id,
                product_retailer_id,
            } => json!({"catalog_id": catalog_id, "product_retailer_id": product_retailer_id}),
            Kind::ProductList {
                catalog_id,
                sections,
            } => product_list_action(catalog_id, sections),
        };
        m.insert("action".into(), action);
        Value::Object(m)
    }
}
