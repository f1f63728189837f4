//! The pure part of applying a batch of events: which events take the set-based path, what the
//! batch says of each customer, and each message's statuses folded into one change. No store
//! here: [`super::effects`] turns these into the batch's effects.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::contact::ContactIdentity;
use crate::events::{CustomerRef, InboundEffect, InboundMessage, StatusUpdate, WebhookEvent};
use crate::message::MessageStatus;
use crate::ports::StatusFold;

/// A batch's events sorted by the path they take, each list in delivery order.
#[derive(Debug, Default)]
pub(crate) struct Sorted<'a> {
    /// Plain one-to-one messages from a known `wa_id`: inserted in one statement.
    pub(crate) inbound: Vec<&'a InboundMessage>,
    /// Statuses other than `failed`: folded per message and applied in one statement.
    pub(crate) statuses: Vec<&'a StatusUpdate>,
    /// Every status, failures included (a placeholder is made from a message's first one).
    pub(crate) all_statuses: Vec<&'a StatusUpdate>,
    /// Everything else, applied one by one after the set-based statements.
    pub(crate) rest: Vec<&'a WebhookEvent>,
    /// Everyone the batch names with a `wa_id`, for [`fold_people`].
    pub(crate) people: Vec<&'a CustomerRef>,
    /// `(number, wa_id)` of customers whose messages take the one-by-one path (their profile
    /// is put back to what the whole batch says last once those have run).
    pub(crate) slow_people: Vec<(&'a str, &'a str)>,
}

/// Sorts `events` by the path they take.
pub(crate) fn sort<'a>(events: &[&'a WebhookEvent]) -> Sorted<'a> {
    let mut s = Sorted::default();
    for &e in events {
        if let WebhookEvent::Status(st) = e {
            s.all_statuses.push(st);
        }
        match e {
            WebhookEvent::Inbound(m)
                if m.effect == InboundEffect::Plain
                    && m.group_id.is_none()
                    && m.customer.wa_id.is_some() =>
            {
                s.people.push(&m.customer);
                s.inbound.push(m);
            }
            WebhookEvent::Status(st) if st.status != MessageStatus::Failed => s.statuses.push(st),
            WebhookEvent::ContactSeen { customer, .. } if customer.wa_id.is_some() => {
                s.people.push(customer);
            }
            other => {
                if let WebhookEvent::Inbound(m) = other {
                    if m.group_id.is_none() {
                        if let Some(k) = m.customer.key() {
                            s.people.push(&m.customer);
                            s.slow_people.push(k);
                        }
                    }
                }
                s.rest.push(other);
            }
        }
    }
    s
}

/// Whether Meta sent something the stored contact does not have yet.
pub(crate) fn needs_refresh(c: &ContactIdentity, who: &CustomerRef) -> bool {
    let differs = |new: &Option<String>, old: &Option<String>| {
        new.as_deref()
            .is_some_and(|n| !n.is_empty() && Some(n) != old.as_deref())
    };
    differs(&who.profile_name, &c.profile_name)
        || differs(&who.username, &c.username)
        || differs(&who.parent_user_id, &c.parent_user_id)
        || (who.user_id.is_some() && c.user_id.is_none())
}

/// A customer in a batch: `(business number, wa_id)` (see [`CustomerRef::key`]).
pub(crate) type PersonKey<'a> = (&'a str, &'a str);

/// What the batch says of each customer (per business number and `wa_id`), as one-by-one
/// application would leave it: the last profile name and username, the first business-scoped
/// user id.
pub(crate) fn fold_people<'a>(people: &[&'a CustomerRef]) -> HashMap<PersonKey<'a>, CustomerRef> {
    let mut merged: HashMap<PersonKey<'a>, CustomerRef> = HashMap::with_capacity(people.len());
    for who in people {
        let Some(k) = who.key() else {
            continue;
        };
        let m = merged.entry(k).or_insert_with(|| CustomerRef {
            phone_number_id: who.phone_number_id.clone(),
            wa_id: who.wa_id.clone(),
            ..CustomerRef::default()
        });
        if who.profile_name.as_deref().is_some_and(|n| !n.is_empty()) {
            m.profile_name.clone_from(&who.profile_name);
        }
        if who.username.is_some() {
            m.username.clone_from(&who.username);
        }
        if m.user_id.is_none() {
            m.user_id.clone_from(&who.user_id);
        }
        if who.parent_user_id.is_some() {
            m.parent_user_id.clone_from(&who.parent_user_id);
        }
    }
    merged
}

/// One message's statuses in a batch, folded.
#[derive(Debug)]
pub(crate) struct Folded<'a> {
    /// The change to apply.
    pub(crate) fold: StatusFold,
    /// The message's first non-failure status in the batch.
    pub(crate) first: &'a StatusUpdate,
    /// Some status carried `biz_opaque_callback_data` (it may join a send whose `wamid` is not
    /// committed yet, which only the one-by-one path does).
    pub(crate) has_callback: bool,
}

/// Folds `statuses` per `wamid`, in the order each `wamid` first appears: the furthest status
/// on the ladder and the first time each step was reported (as one-by-one application stamps
/// it: the first report wins, also against an earlier time reported later), the first
/// conversation id, and the pricing field by field (what came first is kept).
pub(crate) fn fold_statuses<'a>(statuses: &[&'a StatusUpdate]) -> Vec<Folded<'a>> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut out: Vec<Folded<'a>> = Vec::new();
    for &s in statuses {
        let i = *index.entry(s.wamid.as_str()).or_insert_with(|| {
            out.push(Folded {
                fold: StatusFold {
                    wamid: s.wamid.clone(),
                    message_id: None,
                    status: MessageStatus::Other(String::new()),
                    sent_at: None,
                    delivered_at: None,
                    read_at: None,
                    played_at: None,
                    conversation_id: None,
                    pricing: Default::default(),
                },
                first: s,
                has_callback: false,
            });
            out.len() - 1
        });
        let entry = &mut out[i];
        let f = &mut entry.fold;
        if s.status.rank() > f.status.rank() {
            f.status = s.status.clone();
        }
        let first = |a: Option<DateTime<Utc>>| a.or(Some(s.timestamp));
        match s.status {
            MessageStatus::Sent => f.sent_at = first(f.sent_at),
            MessageStatus::Delivered => f.delivered_at = first(f.delivered_at),
            MessageStatus::Read => f.read_at = first(f.read_at),
            MessageStatus::Played => f.played_at = first(f.played_at),
            _ => {}
        }
        if f.conversation_id.is_none() {
            f.conversation_id.clone_from(&s.conversation_id);
        }
        f.pricing = std::mem::take(&mut f.pricing).or(s.pricing.clone());
        entry.has_callback |= s.biz_opaque_callback_data.is_some();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap_or_default()
    }

    fn status(wamid: &str, status: MessageStatus, at: i64) -> StatusUpdate {
        StatusUpdate {
            phone_number_id: "111".into(),
            wamid: wamid.into(),
            status,
            timestamp: t(at),
            recipient: CustomerRef {
                wa_id: Some("15550000001".into()),
                ..CustomerRef::default()
            },
            error: None,
            conversation_id: None,
            pricing: Default::default(),
            biz_opaque_callback_data: None,
            group_id: None,
        }
    }

    fn text(wamid: &str, from: &str, at: i64, kind: &str, body: Option<&str>) -> InboundMessage {
        InboundMessage {
            phone_number_id: "111".into(),
            wamid: wamid.into(),
            customer: CustomerRef {
                wa_id: Some(from.into()),
                ..CustomerRef::default()
            },
            timestamp: t(at),
            message_type: kind.into(),
            text: body.map(str::to_owned),
            effect: InboundEffect::Plain,
            reply_to: None,
            is_forwarded: false,
            media: None,
            error: None,
            group_id: None,
            raw: String::new(),
        }
    }

    #[test]
    fn statuses_fold_to_the_furthest_step_with_each_first_report() {
        let (a, b, c, d) = (
            status("w1", MessageStatus::Read, 30),
            status("w1", MessageStatus::Sent, 10),
            status("w1", MessageStatus::Delivered, 20),
            status("w1", MessageStatus::Sent, 5),
        );
        let other = status("w2", MessageStatus::Delivered, 7);
        let folded = fold_statuses(&[&a, &other, &b, &c, &d]);
        assert_eq!(folded.len(), 2);
        assert_eq!(folded[0].fold.wamid, "w1", "in order of first appearance");
        let f = &folded[0].fold;
        assert_eq!(f.status, MessageStatus::Read, "never backwards");
        assert_eq!(
            f.sent_at,
            Some(t(10)),
            "the first report wins, not the earliest time"
        );
        assert_eq!((f.delivered_at, f.read_at), (Some(t(20)), Some(t(30))));
        assert_eq!(folded[1].fold.status, MessageStatus::Delivered);
        assert!(!folded[0].has_callback);
    }

    #[test]
    fn the_batch_says_the_last_name_and_the_first_user_id() {
        let who = |name: Option<&str>, user: Option<&str>| CustomerRef {
            wa_id: Some("15550000001".into()),
            profile_name: name.map(str::to_owned),
            user_id: user.map(str::to_owned),
            ..CustomerRef::default()
        };
        let (a, b, c) = (
            who(Some("Alice"), Some("US.1")),
            who(Some(""), Some("US.2")),
            who(Some("Alice B"), None),
        );
        let merged = fold_people(&[&a, &b, &c]);
        let m = &merged[&("", "15550000001")];
        assert_eq!(m.profile_name.as_deref(), Some("Alice B"));
        assert_eq!(m.user_id.as_deref(), Some("US.1"));
        let stored = ContactIdentity {
            id: "c1".into(),
            phone_number_id: String::new(),
            wa_id: Some("15550000001".into()),
            user_id: Some("US.1".into()),
            parent_user_id: None,
            profile_name: Some("Alice B".into()),
            username: None,
        };
        assert!(!needs_refresh(&stored, m));
        assert!(needs_refresh(&stored, &a), "another name");
    }

    #[test]
    fn only_plain_one_to_one_messages_and_non_failures_take_the_set_based_path() {
        let plain = WebhookEvent::Inbound(text("w1", "15550000001", 1, "text", Some("hi")));
        let mut grouped = text("w2", "15550000001", 2, "text", Some("hi all"));
        grouped.group_id = Some("g1".into());
        let grouped = WebhookEvent::Inbound(grouped);
        let mut reaction = text("w3", "15550000002", 3, "reaction", None);
        reaction.effect = InboundEffect::Reaction {
            target: "w1".into(),
            emoji: Some("👍".into()),
        };
        let reaction = WebhookEvent::Inbound(reaction);
        let ok = WebhookEvent::Status(status("w9", MessageStatus::Sent, 4));
        let failed = WebhookEvent::Status(status("w9", MessageStatus::Failed, 5));
        let s = sort(&[&plain, &grouped, &reaction, &ok, &failed]);
        assert_eq!(s.inbound.len(), 1);
        assert_eq!(s.statuses.len(), 1);
        assert_eq!(s.all_statuses.len(), 2);
        assert_eq!(s.rest.len(), 3, "group message, reaction, failure");
        assert_eq!(s.slow_people, vec![("", "15550000002")]);
        assert_eq!(
            s.people.len(),
            2,
            "the group member is nobody's private contact"
        );
    }
}
