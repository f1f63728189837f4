//! Bounds on what a webhook element may carry before it is kept. Meta's payloads never come
//! near them; an element past one is junk (a forged or broken delivery) and is listed as not
//! parsed (`ParsedDelivery::skipped`, the delivery kept `failed` for `wacloud webhooks
//! reprocess`) rather than stored. The choices, since Meta documents no maximum:
//!
//! - a call's `duration` (seconds, Meta's Calling `terminate` webhook) is 0 to
//!   [`MAX_CALL_SECONDS`], one day: no WhatsApp call runs longer, and a negative one is no
//!   duration;
//! - an id Meta gives (a call's `id`, a thread's `id`, a group's `group_id`) is 1 to
//!   [`MAX_ID_CHARS`] characters without control characters (Meta's call ids, `wacid.…`, and
//!   group ids are well under 100);
//! - a group event's `type` is absent or one of Meta's spelling, `group_` and lowercase letters
//!   and underscores (the Groups API's `group_create`, `group_delete`, `group_settings_update`,
//!   `group_add_participants`, `group_remove_participants`, `group_suspend`, …), at most 64;
//! - a name saved in the WhatsApp Business app (`smb_app_state_sync`) is at most
//!   [`MAX_SAVED_NAME_CHARS`] characters: WhatsApp caps a profile name at 25, an address book
//!   entry has no documented limit, so 256 is generous.

/// Longest call accepted, in seconds (one day).
pub const MAX_CALL_SECONDS: i64 = 86_400;
/// Longest id accepted, in characters.
pub const MAX_ID_CHARS: usize = 256;
/// Longest saved contact name accepted, in characters.
pub const MAX_SAVED_NAME_CHARS: usize = 256;

/// Why the id `v` is junk, if it is.
pub fn bad_id(v: &str) -> Option<&'static str> {
    if v.trim().is_empty() {
        Some("empty")
    } else if v.chars().count() > MAX_ID_CHARS {
        Some("over 256 characters")
    } else if wacloud_core::text::control_char(v).is_some() {
        Some("holds a control character")
    } else {
        None
    }
}

/// Why the call duration `d` is junk, if it is.
pub fn bad_duration(d: i64) -> Option<&'static str> {
    if d < 0 {
        Some("negative duration")
    } else if d > MAX_CALL_SECONDS {
        Some("duration over a day")
    } else {
        None
    }
}

/// Whether a group event's `type` has Meta's spelling.
pub fn group_type_ok(t: &str) -> bool {
    t.len() <= 64
        && t.strip_prefix("group_").is_some_and(|rest| {
            !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        })
}

/// Why a saved contact name is junk, if it is.
pub fn bad_saved_name(n: &str) -> Option<&'static str> {
    (n.chars().count() > MAX_SAVED_NAME_CHARS).then_some("name over 256 characters")
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use serde_json::{json, Value};

    use super::*;
    use crate::adapters::webhook_events::parse_delivery;

    fn delivery(field: &str, value: Value) -> Vec<u8> {
        let mut value = value;
        value["messaging_product"] = json!("whatsapp");
        value["metadata"] =
            json!({"display_phone_number": "15550100001", "phone_number_id": "106540352242922"});
        serde_json::to_vec(&json!({"object": "whatsapp_business_account", "entry": [
            {"id": "102290129340398", "changes": [{"field": field, "value": value}]}]}))
        .expect("json")
    }

    fn parsed(field: &str, value: Value) -> (usize, Vec<String>) {
        let d = parse_delivery(&delivery(field, value), Utc::now()).expect("a delivery");
        (d.events.len(), d.skipped)
    }

    /// A `terminate` call as Meta's Calling webhook sends it (fixture
    /// `pywa/updates/call_terminate.json`), with `id` and `duration` given.
    fn terminate(id: &str, duration: i64) -> Value {
        json!({"calls": [{"id": id, "from": "13175551399", "to": "15550100001",
            "event": "terminate", "direction": "USER_INITIATED", "timestamp": "1749196895",
            "status": "COMPLETED", "start_time": "1749196800", "end_time": "1749196895",
            "duration": duration}]})
    }

    #[test]
    fn junk_calls_are_listed_not_kept() {
        let ok = "wacid.HBgLMTMxNzU1NTEzOTkVAgARGCA4QTQ2";
        assert_eq!(parsed("calls", terminate(ok, 95)), (1, vec![]));
        assert_eq!(parsed("calls", terminate(ok, MAX_CALL_SECONDS)).0, 1);
        for (id, d) in [
            (ok, -1),
            (ok, MAX_CALL_SECONDS + 1),
            ("", 95),
            ("   ", 95),
            (&"x".repeat(MAX_ID_CHARS + 1), 95),
            ("wacid.\u{0}1", 95),
        ] {
            let (events, skipped) = parsed("calls", terminate(id, d));
            assert_eq!((events, skipped.len()), (0, 1), "{id:?} {d}: {skipped:?}");
        }
    }

    #[test]
    fn junk_group_events_are_listed_not_kept() {
        // Meta's `group_lifecycle_update` (Groups API "Webhooks for Groups API").
        let event = |group_id: &str, kind: &str| {
            json!({"groups": [{"timestamp": "1749196895", "group_id": group_id, "type": kind,
                "request_id": "REQUEST_ID", "subject": "Team"}]})
        };
        let g = "Y2FwaV9ncm91cDoxODA1NTU1MDE3MjoxMjAzNjMyMjI3NzE5NjMwNjcZD";
        assert_eq!(
            parsed("group_lifecycle_update", event(g, "group_create")),
            (1, vec![])
        );
        assert_eq!(
            parsed("group_status_update", event(g, "group_suspend")).0,
            1
        );
        for (id, kind) in [
            ("", "group_create"),
            (g, "bogus"),
            (g, "group_"),
            (g, "GROUP_CREATE"),
            (g, "group_create\u{0}"),
        ] {
            let (events, skipped) = parsed("group_lifecycle_update", event(id, kind));
            assert_eq!(
                (events, skipped.len()),
                (0, 1),
                "{id:?} {kind:?}: {skipped:?}"
            );
        }
    }

    #[test]
    fn junk_history_threads_and_saved_names_are_listed_not_kept() {
        // Coexistence `history` and `smb_app_state_sync`, shapes as in `webhook_events.rs`.
        let history = |thread: &str| {
            json!({"history": [{"metadata": {"phase": 0, "chunk_order": 1, "progress": 100},
                "threads": [{"id": thread, "messages": [{"from": thread, "id": "wamid.h1",
                    "timestamp": "1749196895", "type": "text", "text": {"body": "hi"},
                    "history_context": {"status": "READ"}}]}]}]})
        };
        let (events, skipped) = parsed("history", history("16505551234"));
        assert!(skipped.is_empty(), "{skipped:?}");
        assert_eq!(events, 1);
        let (_, skipped) = parsed("history", history("1650555\u{0}1234"));
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        let saved = |name: &str| {
            json!({"state_sync": [{"type": "contact", "action": "add",
                "contact": {"full_name": name, "phone_number": "16505551234"},
                "metadata": {"timestamp": "1749196895"}}]})
        };
        assert_eq!(
            parsed("smb_app_state_sync", saved("Ana Souza")),
            (1, vec![])
        );
        let (events, skipped) = parsed(
            "smb_app_state_sync",
            saved(&"a".repeat(MAX_SAVED_NAME_CHARS + 1)),
        );
        assert_eq!((events, skipped.len()), (0, 1), "{skipped:?}");
    }
}
