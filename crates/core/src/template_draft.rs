//! A template submitted for review (`POST /api/whatsapp/templates`), and the rules it is checked
//! against before Meta is called. The request's shape is Meta's own creation request (Cloud API
//! "Templates" → "Template components": `name`, `language`, `category`, `parameter_format`,
//! `components[]` with `HEADER`, `BODY`, `FOOTER`, `BUTTONS`), so a request that passes here is
//! sent as given; fields these rules do not know (`add_security_recommendation`, `flow_json`,
//! `cards`, …) are kept in `extra` and passed through.
//!
//! The limits are Meta's documented ones (developers.facebook.com, WhatsApp Business Platform
//! "Template components" and "Template categories"): a name of at most 512 lowercase letters,
//! digits and underscores; a text header of at most 60 characters with at most one variable; a
//! body of at most 1,024 characters; a footer of at most 60 characters without variables; at
//! most 10 buttons, each label at most 25 characters, at most 2 URL buttons (URL at most 2,000
//! characters, one variable at its end), 1 phone number button (at most 20 characters) and 1
//! copy-code button (example at most 15 characters), quick replies side by side; every variable
//! with an example; positional variables `{{1}}`, `{{2}}`, … numbered from 1 without gaps, or
//! named ones (`{{first_name}}`: lowercase letters, digits and underscores) with
//! `parameter_format: "named"`. Authentication templates carry no header and no body text (Meta
//! writes it) and exactly one `OTP` button.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Longest template name, in characters.
pub const NAME_MAX: usize = 512;
/// Longest text header, in characters.
pub const HEADER_TEXT_MAX: usize = 60;
/// Longest body, in characters.
pub const BODY_MAX: usize = 1024;
/// Longest footer, in characters.
pub const FOOTER_MAX: usize = 60;
/// Most buttons in a template.
pub const BUTTONS_MAX: usize = 10;
/// Longest button label, in characters.
pub const BUTTON_TEXT_MAX: usize = 25;
/// Longest URL of a URL button, in characters.
pub const BUTTON_URL_MAX: usize = 2000;
/// Longest phone number of a phone number button, in characters.
pub const BUTTON_PHONE_MAX: usize = 20;
/// Longest copy-code example, in characters.
pub const COPY_CODE_MAX: usize = 15;

/// A template to create, in Meta's request shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateDraft {
    /// Lowercase letters, digits and underscores, at most [`NAME_MAX`] characters.
    pub name: String,
    /// Meta's language code (`en`, `en_US`, `pt_BR`).
    pub language: String,
    /// `MARKETING`, `UTILITY` or `AUTHENTICATION`.
    pub category: String,
    /// `positional` (default) or `named`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter_format: Option<String>,
    /// Let Meta change the category instead of rejecting the template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_category_change: Option<bool>,
    /// Header, body, footer and buttons.
    pub components: Vec<DraftComponent>,
}

/// One component of a [`TemplateDraft`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DraftComponent {
    /// `HEADER`, `BODY`, `FOOTER`, `BUTTONS` (any case); others are passed through unchecked.
    #[serde(rename = "type")]
    pub kind: String,
    /// A header's `TEXT`, `IMAGE`, `VIDEO`, `DOCUMENT` or `LOCATION`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// The text of a text header, a body or a footer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The examples of its variables, or a media header's sample handle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<DraftExample>,
    /// The buttons of a `BUTTONS` component.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buttons: Option<Vec<DraftButton>>,
    /// Every other field, passed to Meta as given.
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub extra: Map<String, Value>,
}

/// A named variable's example: `{"param_name", "example"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NamedExample {
    /// The variable's name, as in `{{name}}`.
    pub param_name: String,
    /// Its example value.
    pub example: String,
}

/// `example` of a component.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DraftExample {
    /// A text header's positional example (one value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_text: Option<Vec<String>>,
    /// A text header's named example.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_text_named_params: Option<Vec<NamedExample>>,
    /// The body's positional examples: one list, a value per variable in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_text: Option<Vec<Vec<String>>>,
    /// The body's named examples.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_text_named_params: Option<Vec<NamedExample>>,
    /// A media header's sample: the handle from Meta's Resumable Upload API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_handle: Option<Vec<String>>,
    /// Every other field, passed to Meta as given.
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub extra: Map<String, Value>,
}

/// One button of a `BUTTONS` component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DraftButton {
    /// `QUICK_REPLY`, `URL`, `PHONE_NUMBER`, `COPY_CODE`, `OTP`, `FLOW`, `MPM`, `CATALOG`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// The label, at most [`BUTTON_TEXT_MAX`] characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// A URL button's address, at most one variable, at its end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A phone number button's number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// A URL button's example (`["https://…/1042"]`) or a copy-code button's (`"SAVE10"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub example: Option<Value>,
    /// Every other field (`otp_type`, `flow_id`, …), passed to Meta as given.
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub extra: Map<String, Value>,
}

/// A media header's sample file, sent to Meta's Resumable Upload API before the template is
/// created; its handle goes into `example.header_handle`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderSample {
    /// The file's name.
    pub file_name: String,
    /// `image/jpeg`, `image/png`, `video/mp4` or `application/pdf` (what the upload API takes).
    pub mime_type: String,
    /// The file.
    pub bytes: Vec<u8>,
}

impl HeaderSample {
    /// Whether the sample's type is one a `format` header takes: `IMAGE` a JPEG or PNG image,
    /// `VIDEO` an MP4 video, `DOCUMENT` a PDF (Cloud API "Template components", media headers).
    #[must_use]
    pub fn fits(&self, format: &str) -> bool {
        matches!(
            (format, self.mime_type.as_str()),
            ("IMAGE", "image/jpeg" | "image/png")
                | ("VIDEO", "video/mp4")
                | ("DOCUMENT", "application/pdf")
        )
    }
}

/// Meta's answer to a creation (`{"id", "status", "category"}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedTemplate {
    /// The new template's id.
    pub template_id: String,
    /// `PENDING`, `APPROVED` or `REJECTED`.
    pub status: Option<String>,
    /// The category Meta filed it under.
    pub category: Option<String>,
}

/// Why a draft breaks a rule: a machine-readable `code`, the `field` at fault as a path
/// (`components[1].text`, `components[2].buttons[0].url`) and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct TemplateProblem {
    /// `invalid_template_name`, `invalid_language`, `invalid_category`, `invalid_component`,
    /// `text_too_long`, `invalid_variables`, `missing_example`, `invalid_button`,
    /// `too_many_buttons`.
    pub code: &'static str,
    /// The request field at fault.
    pub field: String,
    /// What is wrong and what to do.
    pub message: String,
}

fn problem(
    code: &'static str,
    field: impl Into<String>,
    message: impl Into<String>,
) -> TemplateProblem {
    TemplateProblem {
        code,
        field: field.into(),
        message: message.into(),
    }
}

/// The variables of a text, in order of appearance.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Var {
    Positional(usize),
    Named(String),
}

/// The `{{…}}` of `text`; an unclosed or malformed one is a problem of `field`.
fn variables(text: &str, field: &str) -> Result<Vec<Var>, TemplateProblem> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        rest = &rest[i + 2..];
        let Some(j) = rest.find("}}") else {
            return Err(problem(
                "invalid_variables",
                field,
                "a variable opened with {{ is not closed with }}",
            ));
        };
        let v = rest[..j].trim();
        if let Ok(n) = v.parse::<usize>() {
            out.push(Var::Positional(n));
        } else if valid_param_name(v) {
            out.push(Var::Named(v.to_owned()));
        } else {
            return Err(problem(
                "invalid_variables",
                field,
                format!("{{{{{v}}}}} is not a variable: write {{{{1}}}}, {{{{2}}}}, … or a name of lowercase letters, digits and underscores"),
            ));
        }
        rest = &rest[j + 2..];
    }
    Ok(out)
}

fn valid_param_name(v: &str) -> bool {
    v.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn upper(s: &str) -> String {
    s.to_ascii_uppercase()
}

/// A refusal of `field` for a control character: NUL and the others but, in a body, line
/// breaks and tabs (Meta's header and footer are one line).
fn control(text: &str, field: &str, lines: bool) -> Result<(), TemplateProblem> {
    let found = if lines {
        crate::text::control_char_in_lines(text)
    } else {
        crate::text::control_char(text)
    };
    match found {
        Some(c) => Err(problem(
            "invalid_component",
            field,
            format!(
                "the text holds the control character {}; remove it",
                crate::text::describe(c)
            ),
        )),
        None => Ok(()),
    }
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

impl TemplateDraft {
    /// Whether its variables are named (`parameter_format: "named"`).
    fn named(&self) -> bool {
        self.parameter_format
            .as_deref()
            .is_some_and(|f| f.eq_ignore_ascii_case("named"))
    }

    /// The category in Meta's spelling (upper case).
    #[must_use]
    pub fn category_upper(&self) -> String {
        upper(&self.category)
    }

    /// The media header's format (`IMAGE`, `VIDEO`, `DOCUMENT`), when the template has one.
    #[must_use]
    pub fn media_header(&self) -> Option<(usize, String)> {
        self.components.iter().enumerate().find_map(|(i, c)| {
            let f = upper(c.format.as_deref()?);
            (upper(&c.kind) == "HEADER" && matches!(f.as_str(), "IMAGE" | "VIDEO" | "DOCUMENT"))
                .then_some((i, f))
        })
    }

    /// Puts `handle` (from Meta's Resumable Upload API) in the media header's
    /// `example.header_handle`. False when the template has no media header.
    pub fn set_header_handle(&mut self, handle: String) -> bool {
        let Some((i, _)) = self.media_header() else {
            return false;
        };
        let c = &mut self.components[i];
        c.example
            .get_or_insert_with(DraftExample::default)
            .header_handle = Some(vec![handle]);
        true
    }

    /// The body's text, when it has one.
    #[must_use]
    pub fn body_text(&self) -> Option<&str> {
        self.components
            .iter()
            .find(|c| upper(&c.kind) == "BODY")
            .and_then(|c| c.text.as_deref())
    }

    /// Checks the draft against Meta's documented rules (see the module's documentation);
    /// `media_pending` says a media header's file comes with the request, so its
    /// `header_handle` is filled after the upload and not required yet.
    ///
    /// # Errors
    /// The first [`TemplateProblem`], naming the component and field.
    pub fn check(&self, media_pending: bool) -> Result<(), TemplateProblem> {
        let n = chars(&self.name);
        if n == 0
            || n > NAME_MAX
            || !self
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(problem(
                "invalid_template_name",
                "name",
                format!("the name is 1 to {NAME_MAX} lowercase letters, digits and underscores"),
            ));
        }
        if !valid_language(&self.language) {
            return Err(problem(
                "invalid_language",
                "language",
                format!(
                    "{:?} is not one of Meta's language codes (en, en_US, pt_BR, …)",
                    self.language
                ),
            ));
        }
        let category = self.category_upper();
        if !matches!(
            category.as_str(),
            "MARKETING" | "UTILITY" | "AUTHENTICATION"
        ) {
            return Err(problem(
                "invalid_category",
                "category",
                "the category is MARKETING, UTILITY or AUTHENTICATION",
            ));
        }
        if let Some(f) = &self.parameter_format {
            if !f.eq_ignore_ascii_case("named") && !f.eq_ignore_ascii_case("positional") {
                return Err(problem(
                    "invalid_variables",
                    "parameter_format",
                    "parameter_format is positional or named",
                ));
            }
        }
        let auth = category == "AUTHENTICATION";
        let mut seen: Vec<String> = Vec::new();
        for (i, c) in self.components.iter().enumerate() {
            let kind = upper(&c.kind);
            let at = format!("components[{i}]");
            if matches!(kind.as_str(), "HEADER" | "BODY" | "FOOTER" | "BUTTONS") {
                if seen.contains(&kind) {
                    return Err(problem(
                        "invalid_component",
                        format!("{at}.type"),
                        format!("a template has at most one {kind} component"),
                    ));
                }
                seen.push(kind.clone());
            }
            match kind.as_str() {
                "HEADER" if auth => {
                    return Err(problem(
                        "invalid_component",
                        format!("{at}.type"),
                        "an authentication template has no header",
                    ))
                }
                "HEADER" => self.check_header(c, &at, media_pending)?,
                "BODY" => self.check_body(c, &at, auth)?,
                "FOOTER" => check_footer(c, &at, auth)?,
                "BUTTONS" => check_buttons(c, &at, auth)?,
                "" => {
                    return Err(problem(
                        "invalid_component",
                        format!("{at}.type"),
                        "each component has a type: HEADER, BODY, FOOTER or BUTTONS",
                    ))
                }
                // CAROUSEL, LIMITED_TIME_OFFER, …: Meta checks them.
                _ => {}
            }
        }
        if !seen.iter().any(|k| k == "BODY") {
            return Err(problem(
                "invalid_component",
                "components",
                "a template needs a BODY component",
            ));
        }
        Ok(())
    }

    fn check_header(
        &self,
        c: &DraftComponent,
        at: &str,
        media_pending: bool,
    ) -> Result<(), TemplateProblem> {
        let format = upper(c.format.as_deref().unwrap_or(""));
        match format.as_str() {
            "TEXT" => {
                let field = format!("{at}.text");
                let text = c.text.as_deref().unwrap_or("");
                if text.trim().is_empty() {
                    return Err(problem(
                        "invalid_component",
                        field,
                        "a text header needs its text",
                    ));
                }
                control(text, &field, false)?;
                if chars(text) > HEADER_TEXT_MAX {
                    return Err(problem(
                        "text_too_long",
                        field,
                        format!("a text header is at most {HEADER_TEXT_MAX} characters"),
                    ));
                }
                let vars = variables(text, &field)?;
                if vars.len() > 1 {
                    return Err(problem(
                        "invalid_variables",
                        field,
                        "a text header has at most one variable",
                    ));
                }
                let example = c.example.as_ref();
                self.check_examples(
                    &vars,
                    at,
                    &field,
                    example.and_then(|e| e.header_text.clone()),
                    example.and_then(|e| e.header_text_named_params.as_ref()),
                    "header_text",
                )
            }
            "IMAGE" | "VIDEO" | "DOCUMENT" | "GIF" => {
                let handles = c.example.as_ref().and_then(|e| e.header_handle.as_ref());
                let ok = handles
                    .is_some_and(|h| !h.is_empty() && h.iter().all(|s| !s.trim().is_empty()));
                if !ok && !media_pending {
                    return Err(problem(
                        "missing_example",
                        format!("{at}.example.header_handle"),
                        format!("a {format} header needs a sample: send the file with the request (multipart field `header_file`) or give the handle of a resumable upload in example.header_handle"),
                    ));
                }
                Ok(())
            }
            "LOCATION" | "PRODUCT" => Ok(()),
            _ => Err(problem(
                "invalid_component",
                format!("{at}.format"),
                "a header's format is TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION",
            )),
        }
    }

    fn check_body(&self, c: &DraftComponent, at: &str, auth: bool) -> Result<(), TemplateProblem> {
        let field = format!("{at}.text");
        if auth {
            if c.text.is_some() {
                return Err(problem(
                    "invalid_component",
                    field,
                    "an authentication template's body has no text: Meta writes it (set add_security_recommendation if wanted)",
                ));
            }
            return Ok(());
        }
        let text = c.text.as_deref().unwrap_or("");
        if text.trim().is_empty() {
            return Err(problem(
                "invalid_component",
                field,
                "the body needs its text",
            ));
        }
        control(text, &field, true)?;
        if chars(text) > BODY_MAX {
            return Err(problem(
                "text_too_long",
                field,
                format!("the body is at most {BODY_MAX} characters"),
            ));
        }
        let vars = variables(text, &field)?;
        let example = c.example.as_ref();
        let positional = example
            .and_then(|e| e.body_text.as_ref())
            .map(|rows| rows.first().cloned().unwrap_or_default());
        self.check_examples(
            &vars,
            at,
            &field,
            positional,
            example.and_then(|e| e.body_text_named_params.as_ref()),
            "body_text",
        )
    }

    /// The variables of a text against the template's parameter format and the examples given.
    fn check_examples(
        &self,
        vars: &[Var],
        at: &str,
        field: &str,
        positional: Option<Vec<String>>,
        named: Option<&Vec<NamedExample>>,
        key: &str,
    ) -> Result<(), TemplateProblem> {
        if vars.is_empty() {
            return Ok(());
        }
        if self.named() {
            let mut names: Vec<&str> = Vec::new();
            for v in vars {
                match v {
                    Var::Named(n) => {
                        if !names.contains(&n.as_str()) {
                            names.push(n);
                        }
                    }
                    Var::Positional(n) => {
                        return Err(problem(
                            "invalid_variables",
                            field,
                            format!("{{{{{n}}}}} is positional but parameter_format is named: use names such as {{{{first_name}}}}"),
                        ))
                    }
                }
            }
            let ex_field = format!("{at}.example.{key}_named_params");
            let given = named.ok_or_else(|| {
                problem(
                    "missing_example",
                    ex_field.clone(),
                    "every variable needs an example: give {\"param_name\", \"example\"} for each",
                )
            })?;
            for name in names {
                if !given
                    .iter()
                    .any(|g| g.param_name == name && !g.example.trim().is_empty())
                {
                    return Err(problem(
                        "missing_example",
                        ex_field,
                        format!("the variable {{{{{name}}}}} has no example"),
                    ));
                }
            }
            return Ok(());
        }
        let mut numbers = Vec::new();
        for v in vars {
            match v {
                Var::Positional(n) => numbers.push(*n),
                Var::Named(n) => {
                    return Err(problem(
                        "invalid_variables",
                        field,
                        format!("{{{{{n}}}}} is named: set parameter_format to named, or number the variables {{{{1}}}}, {{{{2}}}}, …"),
                    ))
                }
            }
        }
        let mut distinct = numbers.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if let Some(gap) = (1..=distinct.len()).find(|n| distinct.get(n - 1) != Some(n)) {
            return Err(problem(
                "invalid_variables",
                field,
                format!("the variables are numbered {{{{1}}}} to {{{{{}}}}} without gaps: {{{{{gap}}}}} is missing", distinct.len()),
            ));
        }
        // Meta numbers variables in the order they appear: the first new one is the next number.
        let mut next = 1;
        for n in &numbers {
            if *n == next {
                next += 1;
            } else if *n > next {
                return Err(problem(
                    "invalid_variables",
                    field,
                    format!(
                        "the variables appear in order: {{{{{next}}}}} comes before {{{{{n}}}}}"
                    ),
                ));
            }
        }
        let ex_field = format!("{at}.example.{key}");
        let values = positional.ok_or_else(|| {
            problem(
                "missing_example",
                ex_field.clone(),
                format!(
                    "every variable needs an example: give {} value(s)",
                    distinct.len()
                ),
            )
        })?;
        if values.len() != distinct.len() || values.iter().any(|v| v.trim().is_empty()) {
            return Err(problem(
                "missing_example",
                ex_field,
                format!(
                    "give one non-empty example per variable: {} expected, {} given",
                    distinct.len(),
                    values.len()
                ),
            ));
        }
        Ok(())
    }
}

fn valid_language(l: &str) -> bool {
    let (lang, region) = l.split_once('_').map_or((l, None), |(a, b)| (a, Some(b)));
    (2..=3).contains(&lang.len())
        && lang.bytes().all(|b| b.is_ascii_lowercase())
        && region.is_none_or(|r| {
            (2..=4).contains(&r.len()) && r.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

fn check_footer(c: &DraftComponent, at: &str, auth: bool) -> Result<(), TemplateProblem> {
    let field = format!("{at}.text");
    if auth {
        if let Some(m) = c.extra.get("code_expiration_minutes") {
            if !m.as_u64().is_some_and(|m| (1..=90).contains(&m)) {
                return Err(problem(
                    "invalid_component",
                    format!("{at}.code_expiration_minutes"),
                    "code_expiration_minutes is 1 to 90",
                ));
            }
        }
        if c.text.is_some() {
            return Err(problem(
                "invalid_component",
                field,
                "an authentication template's footer has no text: give code_expiration_minutes",
            ));
        }
        return Ok(());
    }
    let text = c.text.as_deref().unwrap_or("");
    if text.trim().is_empty() {
        return Err(problem(
            "invalid_component",
            field,
            "the footer needs its text",
        ));
    }
    control(text, &field, false)?;
    if chars(text) > FOOTER_MAX {
        return Err(problem(
            "text_too_long",
            field,
            format!("the footer is at most {FOOTER_MAX} characters"),
        ));
    }
    if !variables(text, &field)?.is_empty() {
        return Err(problem(
            "invalid_variables",
            field,
            "the footer has no variables",
        ));
    }
    Ok(())
}

fn check_buttons(c: &DraftComponent, at: &str, auth: bool) -> Result<(), TemplateProblem> {
    let buttons = c.buttons.as_deref().unwrap_or(&[]);
    let field = format!("{at}.buttons");
    if buttons.is_empty() {
        return Err(problem(
            "invalid_button",
            field,
            "a BUTTONS component has at least one button",
        ));
    }
    if buttons.len() > BUTTONS_MAX {
        return Err(problem(
            "too_many_buttons",
            field,
            format!("a template has at most {BUTTONS_MAX} buttons"),
        ));
    }
    let kinds: Vec<String> = buttons.iter().map(|b| upper(&b.kind)).collect();
    let count = |k: &str| kinds.iter().filter(|x| *x == k).count();
    if auth && (buttons.len() != 1 || kinds[0] != "OTP") {
        return Err(problem(
            "invalid_button",
            field,
            "an authentication template has exactly one OTP button",
        ));
    }
    for (kind, max) in [("URL", 2), ("PHONE_NUMBER", 1), ("COPY_CODE", 1)] {
        if count(kind) > max {
            return Err(problem(
                "too_many_buttons",
                field,
                format!("a template has at most {max} {kind} button(s)"),
            ));
        }
    }
    // Quick replies are grouped: after the first, only quick replies until the last.
    if let (Some(first), Some(last)) = (
        kinds.iter().position(|k| k == "QUICK_REPLY"),
        kinds.iter().rposition(|k| k == "QUICK_REPLY"),
    ) {
        if let Some(j) = (first..=last).find(|j| kinds[*j] != "QUICK_REPLY") {
            return Err(problem(
                "invalid_button",
                format!("{field}[{j}].type"),
                "quick reply buttons are side by side: put the other buttons before or after them",
            ));
        }
    }
    for (j, b) in buttons.iter().enumerate() {
        check_button(b, &kinds[j], &format!("{field}[{j}]"))?;
    }
    Ok(())
}

fn check_button(b: &DraftButton, kind: &str, at: &str) -> Result<(), TemplateProblem> {
    let text_needed = !matches!(kind, "COPY_CODE" | "OTP");
    match b.text.as_deref() {
        Some(t) if chars(t) > BUTTON_TEXT_MAX => {
            return Err(problem(
                "text_too_long",
                format!("{at}.text"),
                format!("a button's text is at most {BUTTON_TEXT_MAX} characters"),
            ))
        }
        Some(t) if t.trim().is_empty() && text_needed => {
            return Err(problem(
                "invalid_button",
                format!("{at}.text"),
                "the button needs its text",
            ))
        }
        None if text_needed => {
            return Err(problem(
                "invalid_button",
                format!("{at}.text"),
                "the button needs its text",
            ))
        }
        _ => {}
    }
    match kind {
        "URL" => {
            let url = b.url.as_deref().unwrap_or("");
            let field = format!("{at}.url");
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(problem(
                    "invalid_button",
                    field,
                    "a URL button's url starts with https://",
                ));
            }
            if chars(url) > BUTTON_URL_MAX {
                return Err(problem(
                    "text_too_long",
                    field,
                    format!("a URL button's url is at most {BUTTON_URL_MAX} characters"),
                ));
            }
            let vars = variables(url, &field)?;
            if vars.len() > 1 || (vars.len() == 1 && !url.trim_end().ends_with("}}")) {
                return Err(problem(
                    "invalid_variables",
                    field,
                    "a URL button's url has at most one variable, at its end",
                ));
            }
            if !vars.is_empty() {
                let ok = b.example.as_ref().is_some_and(|e| match e {
                    Value::Array(a) => a
                        .first()
                        .and_then(Value::as_str)
                        .is_some_and(|s| !s.trim().is_empty()),
                    Value::String(s) => !s.trim().is_empty(),
                    _ => false,
                });
                if !ok {
                    return Err(problem(
                        "missing_example",
                        format!("{at}.example"),
                        "a URL with a variable needs an example: [\"https://…/full-url\"]",
                    ));
                }
            }
        }
        "PHONE_NUMBER" => {
            let p = b.phone_number.as_deref().unwrap_or("");
            if p.trim().is_empty() || chars(p) > BUTTON_PHONE_MAX {
                return Err(problem(
                    "invalid_button",
                    format!("{at}.phone_number"),
                    format!("a phone number button's phone_number is 1 to {BUTTON_PHONE_MAX} characters"),
                ));
            }
        }
        "COPY_CODE" => {
            let code = b.example.as_ref().and_then(|e| match e {
                Value::String(s) => Some(s.as_str()),
                Value::Array(a) => a.first().and_then(Value::as_str),
                _ => None,
            });
            if !code.is_some_and(|c| !c.trim().is_empty() && chars(c) <= COPY_CODE_MAX) {
                return Err(problem(
                    "missing_example",
                    format!("{at}.example"),
                    format!("a copy-code button needs an example code of 1 to {COPY_CODE_MAX} characters"),
                ));
            }
        }
        "OTP" => {
            let otp = b
                .extra
                .get("otp_type")
                .and_then(Value::as_str)
                .map(upper)
                .unwrap_or_default();
            match otp.as_str() {
                "COPY_CODE" | "ZERO_TAP" => {}
                "ONE_TAP" => {
                    let has = |k: &str| {
                        b.extra
                            .get(k)
                            .and_then(Value::as_str)
                            .is_some_and(|s| !s.is_empty())
                    };
                    let names_app = (has("package_name") && has("signature_hash"))
                        || b.extra.contains_key("supported_apps");
                    if !names_app {
                        return Err(problem(
                            "invalid_button",
                            format!("{at}.package_name"),
                            "a ONE_TAP button names the app: package_name and signature_hash (or supported_apps)",
                        ));
                    }
                }
                _ => {
                    return Err(problem(
                        "invalid_button",
                        format!("{at}.otp_type"),
                        "an OTP button's otp_type is COPY_CODE, ONE_TAP or ZERO_TAP",
                    ))
                }
            }
        }
        "QUICK_REPLY" | "FLOW" | "MPM" | "CATALOG" | "SPM" | "VOICE_CALL" | "APP" => {}
        "" => {
            return Err(problem(
                "invalid_button",
                format!("{at}.type"),
                "each button has a type (QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE, …)",
            ))
        }
        other => {
            return Err(problem(
                "invalid_button",
                format!("{at}.type"),
                format!("{other} is not a button type Meta takes in templates"),
            ))
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
