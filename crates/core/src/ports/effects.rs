//! A batch's common effects as data. Core asks the store to read what the batch's events name
//! ([`Lookup`] → [`Found`]), computes the changes from the events and what was found
//! ([`BatchEffects`], pure), and the store applies them in one pass
//! ([`Repos::apply_effects`](super::Repos::apply_effects)).
//!
//! What only the write itself can know (whether a `wamid` was new, which contact a customer
//! turned out to be when another transaction created it first) is settled by the rules on
//! [`BatchEffects`] the store calls while applying: only rows that went in count.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::rows::{ContactDelta, NewMessage, StatusFold};
use crate::contact::{preview, ContactIdentity};
use crate::events::CustomerRef;
use crate::message::{is_notice, opens_window, Direction};

/// What a batch needs read before its effects can be computed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lookup {
    /// Every customer as `(phone_number_id, wa_id)` (the business number they wrote to, `""`
    /// when none), sorted, without repeats.
    pub customers: Vec<(String, String)>,
    /// The `wamid` of every message a status reports on, without repeats.
    pub wamids: Vec<String>,
}

impl Lookup {
    /// Nothing to read.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.customers.is_empty() && self.wamids.is_empty()
    }
}

/// What the store found for a [`Lookup`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    /// The contacts holding any of the `wa_id`s (identity fields only).
    pub contacts: Vec<ContactIdentity>,
    /// `(wamid, id)` of the messages having any of the `wamid`s.
    pub messages: Vec<(String, String)>,
}

/// A customer to find, or create, and bring up to date with what Meta sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnsureContact {
    /// The contact's id as planned: the id of the contact found by `wa_id`, or a fresh id for a
    /// new one. The store may answer another id (a contact found by number or BSUID, or one
    /// another transaction created first); rows naming the planned id then name that one.
    pub id: String,
    /// What the batch says of the customer (it has a `wa_id`).
    pub who: CustomerRef,
}

/// The common effects of a batch: contacts, plain one-to-one inbound messages, placeholders for
/// statuses on unknown messages, and every message's statuses folded into one change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchEffects {
    /// When the batch is applied (contacts' `updated_at`).
    pub now: DateTime<Utc>,
    /// Customers to find or create first, in `wa_id` order.
    pub contacts: Vec<EnsureContact>,
    /// New inbound messages, in delivery order; a `wamid` already stored is not inserted again.
    pub inbound: Vec<NewMessage>,
    /// Rows for statuses whose message is not stored (sent by another tool, or not committed
    /// yet): the send joins its row when it lands.
    pub placeholders: Vec<NewMessage>,
    /// One change per message reported on, in order of first report. `message_id` is set when
    /// the message is known or is one of `placeholders`.
    pub folds: Vec<StatusFold>,
    /// Who listens: the store writes `message.received` outbox rows for the inbound rows that
    /// went in ([`OutboxWrite::received`](crate::outbox::OutboxWrite::received)), in the same
    /// transaction.
    pub outbox: std::sync::Arc<crate::outbox::Interest>,
}

impl BatchEffects {
    /// Nothing to apply.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.contacts.is_empty()
            && self.inbound.is_empty()
            && self.placeholders.is_empty()
            && self.folds.is_empty()
    }

    /// The inbound rows, naming the contacts the store settled on (`settled`: planned id →
    /// the id the store answered, for those that differ).
    #[must_use]
    pub fn inbound_for(&self, settled: &HashMap<String, String>) -> Cow<'_, [NewMessage]> {
        if settled.is_empty() {
            return Cow::Borrowed(&self.inbound);
        }
        Cow::Owned(
            self.inbound
                .iter()
                .map(|m| {
                    let mut m = m.clone();
                    if let Some(id) = m.contact_id.as_ref().and_then(|c| settled.get(c)) {
                        m.contact_id = Some(id.clone());
                    }
                    m
                })
                .collect(),
        )
    }

    /// Each contact's change from the inbound `rows` that went in (`fresh[i]`: whether `rows[i]`
    /// was new, not a `wamid` seen before), as applying them one by one would leave it: the
    /// newest message's time and preview, the newest inbound time, one unread per message.
    /// Meta's notices count as unread never and open no window; a `request_welcome` opens the
    /// window only.
    #[must_use]
    pub fn contact_deltas(rows: &[NewMessage], fresh: &[bool]) -> Vec<ContactDelta> {
        let mut order: Vec<&str> = Vec::new();
        let mut deltas: HashMap<&str, ContactDelta> = HashMap::new();
        for (m, is_new) in rows.iter().zip(fresh) {
            let Some(cid) = m.contact_id.as_deref() else {
                continue;
            };
            if !is_new || !opens_window(&m.message_type) {
                continue; // the same wamid again, or a notice from Meta: no effect on the contact
            }
            let d = deltas.entry(cid).or_insert_with(|| {
                order.push(cid);
                ContactDelta {
                    contact_id: cid.to_owned(),
                    at: m.created_at,
                    preview: None,
                    direction: Direction::Inbound,
                    unread_increment: 0,
                    inbound_at: None,
                }
            });
            d.inbound_at = Some(d.inbound_at.map_or(m.created_at, |t| t.max(m.created_at)));
            if is_notice(&m.message_type) {
                continue;
            }
            d.unread_increment += 1;
            if d.preview.is_none() || m.created_at >= d.at {
                d.at = m.created_at;
                d.preview = Some(preview(m.message_text.as_deref(), &m.message_type));
            }
        }
        order.into_iter().filter_map(|c| deltas.remove(c)).collect()
    }

    /// The status changes, once the placeholders were inserted (`fresh[i]`: whether
    /// `placeholders[i]` went in): a fold whose placeholder did not (its `wamid` appeared
    /// meanwhile) finds its message by `wamid` instead.
    #[must_use]
    pub fn status_folds(&self, fresh: &[bool]) -> Cow<'_, [StatusFold]> {
        let stale: Vec<&str> = self
            .placeholders
            .iter()
            .zip(fresh)
            .filter(|(_, is_new)| !**is_new)
            .map(|(p, _)| p.id.as_str())
            .collect();
        if stale.is_empty() {
            return Cow::Borrowed(&self.folds);
        }
        Cow::Owned(
            self.folds
                .iter()
                .map(|f| {
                    let mut f = f.clone();
                    if f.message_id
                        .as_deref()
                        .is_some_and(|id| stale.contains(&id))
                    {
                        f.message_id = None;
                    }
                    f
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::MessageStatus;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap_or_default()
    }

    fn row(id: &str, contact: &str, at: i64, kind: &str, body: Option<&str>) -> NewMessage {
        NewMessage {
            id: id.into(),
            message_id: Some(format!("wamid.{id}")),
            contact_id: Some(contact.into()),
            direction: Direction::Inbound,
            from_phone: None,
            to_phone: None,
            user_id: None,
            message_type: kind.into(),
            message_text: body.map(str::to_owned),
            status: MessageStatus::Received,
            is_read: false,
            created_at: t(at),
            reply_to: None,
            is_forwarded: false,
            media: None,
            raw: None,
            error: None,
            phone_number_id: None,
            source: None,
            queue_id: None,
            group_id: None,
            payload: None,
            actor: None,
            actor_name: None,
        }
    }

    #[test]
    fn new_messages_count_once_each_and_notices_never() {
        let rows = [
            row("m1", "c1", 20, "text", Some("second")),
            row("m2", "c1", 10, "text", Some("first")),
            row("m3", "c1", 30, "text", Some("seen before")),
            row("m4", "c2", 40, "system", Some("number changed")),
            row("m5", "c2", 50, "request_welcome", None),
        ];
        let deltas = BatchEffects::contact_deltas(&rows, &[true, true, false, true, true]);
        assert_eq!(deltas.len(), 2);
        let d1 = &deltas[0];
        assert_eq!(d1.contact_id, "c1");
        assert_eq!(d1.unread_increment, 2, "the duplicate adds nothing");
        assert_eq!((d1.at, d1.preview.as_deref()), (t(20), Some("second")));
        assert_eq!(d1.inbound_at, Some(t(20)));
        let d2 = &deltas[1];
        assert_eq!(d2.unread_increment, 0, "notices are not unread");
        assert_eq!(d2.preview, None);
        assert_eq!(
            d2.inbound_at,
            Some(t(50)),
            "request_welcome opens the window"
        );
    }

    #[test]
    fn rows_name_the_contact_the_store_settled_on() {
        let effects = BatchEffects {
            inbound: vec![
                row("m1", "planned", 1, "text", Some("hi")),
                row("m2", "c2", 2, "text", Some("hi")),
            ],
            ..BatchEffects::default()
        };
        assert!(matches!(
            effects.inbound_for(&HashMap::new()),
            Cow::Borrowed(_)
        ));
        let settled = HashMap::from([("planned".to_owned(), "c1".to_owned())]);
        let rows = effects.inbound_for(&settled);
        assert_eq!(rows[0].contact_id.as_deref(), Some("c1"));
        assert_eq!(
            rows[1].contact_id.as_deref(),
            Some("c2"),
            "others unchanged"
        );
    }

    #[test]
    fn a_placeholder_that_did_not_go_in_is_found_by_wamid() {
        let fold = |wamid: &str, id: &str| StatusFold {
            wamid: wamid.into(),
            message_id: Some(id.into()),
            status: MessageStatus::Delivered,
            sent_at: None,
            delivered_at: Some(t(1)),
            read_at: None,
            played_at: None,
            conversation_id: None,
            pricing: Default::default(),
        };
        let effects = BatchEffects {
            placeholders: vec![
                row("p1", "c1", 1, "unknown", None),
                row("p2", "c1", 1, "unknown", None),
            ],
            folds: vec![fold("w1", "p1"), fold("w2", "p2"), fold("w3", "known")],
            ..BatchEffects::default()
        };
        assert!(matches!(
            effects.status_folds(&[true, true]),
            Cow::Borrowed(_)
        ));
        let folds = effects.status_folds(&[true, false]);
        assert_eq!(folds[0].message_id.as_deref(), Some("p1"));
        assert_eq!(folds[1].message_id, None, "w2 appeared meanwhile");
        assert_eq!(folds[2].message_id.as_deref(), Some("known"));
    }
}
