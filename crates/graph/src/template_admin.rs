//! Template administration beyond list, get, create and delete by name
//! ([`crate::templates`]): editing an existing template (`POST /{template_id}`).
//!
//! Meta lets an approved template be edited once a day and 10 times in 30 days, and a
//! rejected or paused one at any time; the name and language never change, and an
//! approved template's category cannot change. An edit sends the template back to
//! review. Refusals: 100 (invalid parameter), 131000 / 2388xxx (edit limits reached,
//! or a component Meta rejects), 200 (permission).

use reqwest::Method;
use serde::Serialize;
use serde_json::Value;

use crate::client::GraphClient;
use crate::error::GraphError;
use crate::messages::ValidationError;
use crate::node::{id_arg, to_body};
use crate::templates::TemplateCategory;

/// The body of `POST /{template_id}`: a new category, new components (Meta's JSON, as
/// for [`crate::templates::NewTemplate`]), or both.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[non_exhaustive]
pub struct TemplateEdit {
    #[serde(skip_serializing_if = "Option::is_none")]
    category: Option<TemplateCategory>,
    #[serde(skip_serializing_if = "Option::is_none")]
    components: Option<Vec<Value>>,
}

impl TemplateEdit {
    /// No change yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A new category (not allowed on an approved template).
    pub fn category(mut self, c: TemplateCategory) -> Self {
        self.category = Some(c);
        self
    }

    /// The new components, replacing all the current ones.
    pub fn components(mut self, components: Vec<Value>) -> Self {
        self.components = Some(components);
        self
    }

    /// Checks that something changes and that each component is an object with a `type`.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.category.is_none() && self.components.is_none() {
            return Err(ValidationError::new(
                "template",
                "the template edit changes nothing",
            ));
        }
        for (i, c) in self.components.iter().flatten().enumerate() {
            if c.get("type").and_then(Value::as_str).is_none() {
                return Err(ValidationError::new(
                    format!("components[{i}].type"),
                    "each template component needs a type (HEADER, BODY, FOOTER, BUTTONS)",
                ));
            }
        }
        Ok(())
    }
}

impl GraphClient {
    /// Edits a template (`POST /{template_id}`); Meta answers `{"success": true}` and
    /// reviews the template again.
    pub async fn edit_template(
        &self,
        template_id: &str,
        edit: &TemplateEdit,
    ) -> Result<(), GraphError> {
        id_arg("template_id", "the template id", template_id)?;
        edit.validate()?;
        self.write_success(
            Method::POST,
            &[template_id],
            &[],
            Some(to_body(edit)?),
            "template edit answer",
        )
        .await
    }
}
