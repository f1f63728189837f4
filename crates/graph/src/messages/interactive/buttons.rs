//! Reply buttons (`interactive.type: button`): up to three buttons, each an id echoed
//! back in the `button_reply` webhook and a title, ids and titles unique.

use serde_json::{json, Value};

use crate::messages::validation::{
    self, ValidationError, BUTTON_ID_MAX_CHARS, BUTTON_TITLE_MAX_CHARS, REPLY_BUTTONS_MAX,
};

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

pub(super) fn check_buttons(buttons: &[ReplyButton]) -> Result<(), ValidationError> {
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

/// The `action` of a reply-button message: `{"buttons":[{"type":"reply","reply":{...}}]}`.
pub(super) fn buttons_action(buttons: &[ReplyButton]) -> Value {
    json!({
        "buttons": buttons.iter().map(|b| json!({
            "type": "reply",
            "reply": {"id": b.id, "title": b.title}
        })).collect::<Vec<_>>()
    })
}
