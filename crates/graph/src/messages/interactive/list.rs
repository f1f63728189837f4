//! List messages (`interactive.type: list`): a button that opens sections of rows.
//! The section rules (how many, when a title is needed) are shared with product lists.

use serde_json::{json, Map, Value};

use crate::messages::validation::{
    self, ValidationError, LIST_BUTTON_MAX_CHARS, LIST_ROWS_MAX, LIST_ROW_DESCRIPTION_MAX_CHARS,
    LIST_ROW_ID_MAX_CHARS, LIST_ROW_TITLE_MAX_CHARS, SECTIONS_MAX, SECTION_TITLE_MAX_CHARS,
};

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

pub(super) fn check_list(button: &str, sections: &[ListSection]) -> Result<(), ValidationError> {
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

/// The `action` of a list message: `{"button": ..., "sections": [{"title"?, "rows"}]}`.
pub(super) fn list_action(button: &str, sections: &[ListSection]) -> Value {
    json!({
        "button": button,
        "sections": sections.iter().map(|s| {
            let mut o = Map::new();
            if let Some(t) = &s.title {
                o.insert("title".into(), json!(t));
            }
            o.insert("rows".into(), Value::Array(s.rows.iter().map(ListRow::to_json).collect()));
            Value::Object(o)
        }).collect::<Vec<_>>()
    })
}

pub(super) fn check_section_count(ty: &str, n: usize) -> Result<(), ValidationError> {
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

pub(super) fn check_section_title(
    title: Option<&str>,
    sections: usize,
) -> Result<(), ValidationError> {
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
