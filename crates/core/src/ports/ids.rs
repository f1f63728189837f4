//! Row ids: [`new_id`] for a new row, [`retry_id`] for the one retry of a message or item.

/// A fresh time-ordered id (UUIDv7) for a row.
#[must_use]
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The id of the one retry of message or queue item `of` (a UUID v5 of it): a second retry of
/// the same thing (a double click, two operators) finds it taken and is refused, instead of
/// sending the message again.
#[must_use]
pub fn retry_id(of: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_OID,
        format!("wacloud-retry:{of}").as_bytes(),
    )
    .to_string()
}
