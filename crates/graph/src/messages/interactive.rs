//! Interactive messages (`"type": "interactive"`): reply buttons, lists, `cta_url`,
//! Flows, `location_request_message`, call permission requests, catalog, single- and
//! multi-product messages (Cloud API "Send messages: interactive messages").
//!
//! Every constructor and setter checks Meta's limits and names the limit it refuses.

use serde_json::{json, Map, Value};

use super::media::{check_ref, MediaType};
use super::template::MediaRef;
use super::validation::{
    self, ValidationError, BUTTON_ID_MAX_CHARS, BUTTON_TITLE_MAX_CHARS, CTA_DISPLAY_TEXT_MAX_CHARS,
    FLOW_CTA_MAX_CHARS, INTERACTIVE_BODY_MAX_CHARS, INTERACTIVE_HEADER_FOOTER_MAX_CHARS,
    LIST_BUTTON_MAX_CHARS, LIST_ROWS_MAX, LIST_ROW_DESCRIPTION_MAX_CHARS, LIST_ROW_ID_MAX_CHARS,
    LIST_ROW_TITLE_MAX_CHARS, PRODUCT_ITEMS_MAX, REPLY_BUTTONS_MAX, SECTIONS_MAX,
    SECTION_TITLE_MAX_CHARS,
};

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

/// One reply button: an id (≤ 256 characters, echoed back in the
/// `interactive.button_reply` webhook) and a title (≤ 20 characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyButton {
    id: String,
    title: String,
}

impl ReplyButton {
    /// A button; errors when the id or title is empty or over Meta's limits.
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Result<Self, ValidationError> {
        let b = Self {
            id: id.into(),
            title: title.into(),
        };
        b.validate()?;
        Ok(b)
    }

    fn validate(&self) -> Result<(), ValidationError> {
        validation::id_value(
            "interactive.action.buttons.reply.id",
            "reply button id",
            &self.id,
        )?;
        validation::max_chars(
            "interactive.action.buttons.reply.id",
            "reply button id",
            &self.id,
            BUTTON_ID_MAX_CHARS,
        )?;
        validation::required_text(
            "interactive.action.buttons.reply.title",
            &format!("reply button title {:?}", self.title),
            &self.title,
            BUTTON_TITLE_MAX_CHARS,
        )
    }
}

/// One row of a list message: id (≤ 200), title (≤ 24) and optional description (≤ 72).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRow {
    id: String,
    title: String,
    description: Option<String>,
}

impl ListRow {
    /// A row; errors when the id or title is empty or over Meta's limits.
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Result<Self, ValidationError> {
        let r = Self {
            id: id.into(),
            title: title.into(),
            description: None,
        };
        r.validate()?;
        Ok(r)
    }

    /// A description under the title, at most 72 characters.
    pub fn description(mut self, d: impl Into<String>) -> Result<Self, ValidationError> {
        self.description = Some(d.into());
        self.validate()?;
        Ok(self)
    }

    fn validate(&self) -> Result<(), ValidationError> {
        validation::id_value(
            "interactive.action.sections.rows.id",
            "list row id",
            &self.id,
        )?;
        validation::max_chars(
            "interactive.action.sections.rows.id",
            "list row id",
            &self.id,
            LIST_ROW_ID_MAX_CHARS,
        )?;
        validation::required_text(
            "interactive.action.sections.rows.title",
            &format!("list row title {:?}", self.title),
            &self.title,
            LIST_ROW_TITLE_MAX_CHARS,
        )?;
        if let Some(d) = &self.description {
            validation::max_chars(
                "interactive.action.sections.rows.description",
                "list row description",
                d,
                LIST_ROW_DESCRIPTION_MAX_CHARS,
            )?;
        }
        Ok(())
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), Value::String(self.id.clone()));
        m.insert("title".into(), Value::String(self.title.clone()));
        if let Some(d) = &self.description {
            m.insert("description".into(), Value::String(d.clone()));
        }
        Value::Object(m)
    }
}

/// A section of a list message: an optional title (≤ 24 characters, required when
/// there is more than one section) and its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListSection {
    title: Option<String>,
    rows: Vec<ListRow>,
}

impl ListSection {
    /// A section with a title.
    pub fn new(title: impl Into<String>, rows: Vec<ListRow>) -> Self {
        Self {
            title: Some(title.into()),
            rows,
        }
    }

    /// A section without a title (allowed only when it is the only section).
    pub fn untitled(rows: Vec<ListRow>) -> Self {
        Self { title: None, rows }
    }
}

/// A section of a multi-product message: a title (≤ 24 characters) and the products'
/// retailer ids (SKUs in the catalog).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductSection {
    title: String,
    product_retailer_ids: Vec<String>,
}

impl ProductSection {
    /// A section of products.
    pub fn new(title: impl Into<String>, product_retailer_ids: Vec<String>) -> Self {
        Self {
            title: title.into(),
            product_retailer_ids,
        }
    }
}

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

    fn validate(&self) -> Result<(), ValidationError> {
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

    fn to_json(&self) -> Value {
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
            Kind::Buttons(buttons) => json!({
                "buttons": buttons.iter().map(|b| json!({
                    "type": "reply",
                    "reply": {"id": b.id, "title": b.title}
                })).collect::<Vec<_>>()
            }),
            Kind::List { button, sections } => json!({
                "button": button,
                "sections": sections.iter().map(|s| {
                    let mut o = Map::new();
                    if let Some(t) = &s.title {
                        o.insert("title".into(), json!(t));
                    }
                    o.insert("rows".into(), Value::Array(s.rows.iter().map(ListRow::to_json).collect()));
                    Value::Object(o)
                }).collect::<Vec<_>>()
            }),
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
            } => json!({
                "catalog_id": catalog_id,
                "sections": sections.iter().map(|s| json!({
                    "title": s.title,
                    "product_items": s.product_retailer_ids.iter()
                        .map(|id| json!({"product_retailer_id": id}))
                        .collect::<Vec<_>>()
                })).collect::<Vec<_>>()
            }),
        };
        m.insert("action".into(), action);
        Value::Object(m)
    }
}

fn check_buttons(buttons: &[ReplyButton]) -> Result<(), ValidationError> {
    let field = "interactive.action.buttons";
    if buttons.is_empty() {
        return Err(ValidationError::new(
            field,
            "a reply-button message needs at least one button",
        ));
    }
    if buttons.len() > REPLY_BUTTONS_MAX {
        return Err(ValidationError::new(
            field,
            format!(
                "a reply-button message has {} buttons; Meta's limit is {REPLY_BUTTONS_MAX}",
                buttons.len()
            ),
        ));
    }
    for (i, b) in buttons.iter().enumerate() {
        b.validate()?;
        if buttons[..i].iter().any(|o| o.id == b.id) {
            return Err(ValidationError::new(
                field,
                format!(
                    "reply button id {:?} is used twice; Meta requires unique ids",
                    b.id
                ),
            ));
        }
        if buttons[..i].iter().any(|o| o.title == b.title) {
            return Err(ValidationError::new(
                field,
                format!(
                    "reply button title {:?} is used twice; Meta requires unique titles",
                    b.title
                ),
            ));
        }
    }
    Ok(())
}

fn check_list(button: &str, sections: &[ListSection]) -> Result<(), ValidationError> {
    validation::required_text(
        "interactive.action.button",
        "list button text",
        button,
        LIST_BUTTON_MAX_CHARS,
    )?;
    check_section_count("list", sections.len())?;
    let total: usize = sections.iter().map(|s| s.rows.len()).sum();
    if total > LIST_ROWS_MAX {
        return Err(ValidationError::new(
            "interactive.action.sections.rows",
            format!("a list message has {total} rows; Meta's limit is {LIST_ROWS_MAX} rows over all sections"),
        ));
    }
    let mut ids: Vec<&str> = Vec::with_capacity(total);
    for s in sections {
        check_section_title(s.title.as_deref(), sections.len())?;
        if s.rows.is_empty() {
            return Err(ValidationError::new(
                "interactive.action.sections.rows",
                "a list section needs at least one row",
            ));
        }
        for r in &s.rows {
            r.validate()?;
            if ids.contains(&r.id.as_str()) {
                return Err(ValidationError::new(
                    "interactive.action.sections.rows.id",
                    format!(
                        "list row id {:?} is used twice; Meta requires unique row ids",
                        r.id
                    ),
                ));
            }
            ids.push(&r.id);
        }
    }
    Ok(())
}

fn check_product_sections(sections: &[ProductSection]) -> Result<(), ValidationError> {
    check_section_count("product_list", sections.len())?;
    let total: usize = sections.iter().map(|s| s.product_retailer_ids.len()).sum();
    if total > PRODUCT_ITEMS_MAX {
        return Err(ValidationError::new(
            "interactive.action.sections.product_items",
            format!("a product_list message has {total} products; Meta's limit is {PRODUCT_ITEMS_MAX} over all sections"),
        ));
    }
    for s in sections {
        check_section_title(Some(&s.title), sections.len())?;
        if s.product_retailer_ids.is_empty() {
            return Err(ValidationError::new(
                "interactive.action.sections.product_items",
                "a product section needs at least one product",
            ));
        }
        for id in &s.product_retailer_ids {
            validation::id_value(
                "interactive.action.sections.product_items.product_retailer_id",
                "product_retailer_id",
                id,
            )?;
        }
    }
    Ok(())
}

fn check_section_count(ty: &str, n: usize) -> Result<(), ValidationError> {
    if n == 0 {
        return Err(ValidationError::new(
            "interactive.action.sections",
            format!("a {ty} message needs at least one section"),
        ));
    }
    if n > SECTIONS_MAX {
        return Err(ValidationError::new(
            "interactive.action.sections",
            format!("a {ty} message has {n} sections; Meta's limit is {SECTIONS_MAX}"),
        ));
    }
    Ok(())
}

fn check_section_title(title: Option<&str>, sections: usize) -> Result<(), ValidationError> {
    let field = "interactive.action.sections.title";
    match title {
        Some(t) => validation::required_text(
            field,
            &format!("section title {t:?}"),
            t,
            SECTION_TITLE_MAX_CHARS,
        ),
        None if sections > 1 => Err(ValidationError::new(
            field,
            "every section needs a title when there is more than one section",
        )),
        None => Ok(()),
    }
}
