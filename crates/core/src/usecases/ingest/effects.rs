//! Applying a batch's events inside one write transaction. The common kinds (plain one-to-one
//! messages, statuses other than failures, contact profiles) go in three steps: one read of what
//! they name ([`Repos::lookup`]), their effects computed from the events and what was read
//! ([`plan`], pure), and one write of those effects ([`Repos::apply_effects`]). The rest go one
//! by one ([`super::one_by_one`]) after them, so that reactions, edits and failures find what the
//! batch inserted: each of those may depend on what the one before it did. The effects equal
//! those of applying every event on its own, in delivery order.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::contact::ContactIdentity;
use crate::events::{CustomerRef, StatusUpdate, WebhookEvent};
use crate::message::MessageStatus;
use crate::outbox::{EventType, Interest, OutboxWrite, StatusSubject};
use crate::ports::{new_id, BatchEffects, EnsureContact, Found, Lookup, Repos, StoreError};
use crate::usecases::ingest::fold::{
    fold_people, fold_statuses, needs_refresh, sort, PersonKey, Sorted,
};
use crate::usecases::ingest::one_by_one::{apply, apply_status, placeholder};
use crate::usecases::ingest::rows::inbound_row;

/// Applies `events` (a batch's, in delivery order).
///
/// # Errors
/// [`StoreError`] from any statement; the caller's transaction then rolls back.
pub(crate) fn apply_events(
    r: &mut dyn Repos,
    events: &[&WebhookEvent],
    outbox: &Arc<Interest>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut sorted = sort(events);
    let people = fold_people(&sorted.people);
    let lookup = lookup(&sorted, &people);
    let found = if lookup.is_empty() {
        Found::default()
    } else {
        r.lookup(&lookup)?
    };
    let (mut effects, late) = plan(&sorted, &people, &lookup, &found, now);
    effects.outbox = Arc::clone(outbox);
    if !effects.is_empty() {
        let wrote = r.apply_effects(&effects)?;
        crate::usecases::inbox::customers_wrote(r, &wrote, now)?;
        // Meta sends the owner's traffic on `messages`: these threads are ours.
        let here: Vec<(String, DateTime<Utc>)> = effects
            .inbound
            .iter()
            .filter_map(|m| Some((m.contact_id.clone()?, m.created_at)))
            .filter(|(c, _)| wrote.contains(c))
            .collect();
        crate::usecases::routing::customers_wrote_here(r, &here, now)?;
    }
    for e in sorted.rest {
        apply(r, e, outbox, now)?;
    }
    for s in late {
        apply_status(r, s, now)?;
    }
    status_events(r, &sorted.all_statuses, outbox, now)?;
    // One-by-one events refreshed profiles in their own order; put back what the whole batch,
    // in delivery order, says last.
    if !sorted.slow_people.is_empty() {
        sorted.slow_people.sort_unstable();
        sorted.slow_people.dedup();
        let keys: Vec<(String, String)> = sorted
            .slow_people
            .iter()
            .map(|(n, w)| ((*n).to_owned(), (*w).to_owned()))
            .collect();
        for c in r.find_contacts_by_wa_ids(&keys)? {
            let key = c.wa_id.as_deref().map(|w| (c.phone_number_id.as_str(), w));
            if let Some(who) = key.and_then(|k| people.get(&k)) {
                if needs_refresh(&ContactIdentity::from(&c), who) {
                    r.refresh_contact_identity(&c, who, now)?;
                }
            }
        }
    }
    Ok(())
}

/// `message.status` (and `message.failed`) for the consumers that want them: one event per
/// status, failures included, in delivery order, once every status is applied (its message, or
/// the placeholder made for it, is stored). One read of what the statuses name and one write,
/// whatever path each status took.
fn status_events(
    r: &mut dyn Repos,
    statuses: &[&StatusUpdate],
    outbox: &Interest,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let wanted = outbox.wants(EventType::MessageStatus)
        || (outbox.wants(EventType::MessageFailed)
            && statuses.iter().any(|s| s.status == MessageStatus::Failed));
    if !wanted || statuses.is_empty() {
        return Ok(());
    }
    let wamids: BTreeSet<&str> = statuses.iter().map(|s| s.wamid.as_str()).collect();
    let wamids: Vec<&str> = wamids.into_iter().collect();
    let subjects: HashMap<String, StatusSubject> =
        r.status_subjects(&wamids)?.into_iter().collect();
    let w = OutboxWrite::statuses(
        outbox,
        statuses.iter().copied(),
        |wamid| subjects.get(wamid).cloned().unwrap_or_default(),
        now,
    );
    r.enqueue_outbox(&w)
}

/// What the common kinds name: everyone's `(number, wa_id)` and the `wamid` of every message a
/// status (other than a failure) reports on.
fn lookup(sorted: &Sorted<'_>, people: &HashMap<PersonKey<'_>, CustomerRef>) -> Lookup {
    let mut customers: Vec<(String, String)> = people
        .keys()
        .map(|(n, w)| ((*n).to_owned(), (*w).to_owned()))
        .collect();
    customers.sort_unstable();
    let wamids: BTreeSet<&str> = sorted.statuses.iter().map(|s| s.wamid.as_str()).collect();
    Lookup {
        customers,
        wamids: wamids.into_iter().map(str::to_owned).collect(),
    }
}

/// The common kinds' effects, from the batch's events and what the store found for what was
/// `asked` ([`lookup`], whose `customers` are everyone in `people`, sorted); and the
/// statuses that need the one-by-one path after all (an unknown `wamid` carrying
/// `biz_opaque_callback_data`, which may join a message whose send has not committed its `wamid`
/// yet). Pure but for fresh row ids.
pub(crate) fn plan<'a>(
    sorted: &Sorted<'a>,
    people: &HashMap<PersonKey<'_>, CustomerRef>,
    asked: &Lookup,
    found: &Found,
    now: DateTime<Utc>,
) -> (BatchEffects, Vec<&'a StatusUpdate>) {
    let mut effects = BatchEffects {
        now,
        ..BatchEffects::default()
    };

    // Contacts: those found and up to date as they are; the others found or created (and
    // brought up to date) by the store first, in `(number, wa_id)` order.
    let known: HashMap<PersonKey<'_>, &ContactIdentity> = found
        .contacts
        .iter()
        .filter_map(|c| {
            c.wa_id
                .as_deref()
                .map(|w| ((c.phone_number_id.as_str(), w), c))
        })
        .collect();
    let mut contact_of: HashMap<PersonKey<'_>, String> =
        HashMap::with_capacity(asked.customers.len());
    for (n, w) in &asked.customers {
        let k = (n.as_str(), w.as_str());
        let Some(who) = people.get(&k) else {
            continue;
        };
        let id = match known.get(&k) {
            Some(c) if !needs_refresh(c, who) => c.id.clone(),
            found => {
                let id = found.map_or_else(new_id, |c| c.id.clone());
                effects.contacts.push(EnsureContact {
                    id: id.clone(),
                    who: who.clone(),
                });
                id
            }
        };
        contact_of.insert(k, id);
    }

    effects.inbound = sorted
        .inbound
        .iter()
        .map(|m| {
            let contact = m.customer.key().and_then(|k| contact_of.get(&k));
            inbound_row(m, contact.cloned())
        })
        .collect();

    // Statuses folded per message: onto the message found, or onto a placeholder made from its
    // first status in the batch (failures included, as one-by-one application would).
    let messages: HashMap<&str, &str> = found
        .messages
        .iter()
        .map(|(wamid, id)| (wamid.as_str(), id.as_str()))
        .collect();
    let mut late = Vec::new();
    for f in fold_statuses(&sorted.statuses) {
        let mut fold = f.fold;
        if let Some(id) = messages.get(fold.wamid.as_str()) {
            fold.message_id = Some((*id).to_owned());
        } else if f.has_callback {
            late.extend(sorted.statuses.iter().filter(|s| s.wamid == fold.wamid));
            continue;
        } else {
            let first = sorted
                .all_statuses
                .iter()
                .find(|s| s.wamid == fold.wamid)
                .copied()
                .unwrap_or(f.first);
            let row = placeholder(first);
            fold.message_id = Some(row.id.clone());
            effects.placeholders.push(row);
        }
        effects.folds.push(fold);
    }
    (effects, late)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{InboundEffect, InboundMessage};

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap_or_default()
    }

    fn who(wa_id: &str, name: Option<&str>) -> CustomerRef {
        CustomerRef {
            wa_id: Some(wa_id.into()),
            profile_name: name.map(str::to_owned),
            ..CustomerRef::default()
        }
    }

    fn text(wamid: &str, from: &str, name: Option<&str>, at: i64) -> WebhookEvent {
        WebhookEvent::Inbound(InboundMessage {
            phone_number_id: "111".into(),
            wamid: wamid.into(),
            customer: who(from, name),
            timestamp: t(at),
            message_type: "text".into(),
            text: Some("hi".into()),
            effect: InboundEffect::Plain,
            reply_to: None,
            is_forwarded: false,
            media: None,
            error: None,
            group_id: None,
            raw: String::new(),
        })
    }

    fn status(wamid: &str, s: MessageStatus, at: i64, callback: bool) -> WebhookEvent {
        WebhookEvent::Status(StatusUpdate {
            phone_number_id: "111".into(),
            wamid: wamid.into(),
            status: s,
            timestamp: t(at),
            recipient: who("15550000009", None),
            error: None,
            conversation_id: None,
            pricing: Default::default(),
            biz_opaque_callback_data: callback.then(|| "our-id".to_owned()),
            group_id: None,
        })
    }

    fn identity(id: &str, wa_id: &str, name: &str) -> ContactIdentity {
        ContactIdentity {
            id: id.into(),
            phone_number_id: String::new(),
            wa_id: Some(wa_id.into()),
            user_id: None,
            parent_user_id: None,
            profile_name: Some(name.into()),
            username: None,
        }
    }

    #[test]
    fn the_lookup_names_every_customer_and_every_reported_message_once() {
        let events = [
            text("w1", "15550000002", None, 1),
            text("w2", "15550000001", None, 2),
            text("w3", "15550000002", None, 3),
            status("s1", MessageStatus::Sent, 4, false),
            status("s1", MessageStatus::Delivered, 5, false),
            status("s2", MessageStatus::Failed, 6, false),
        ];
        let refs: Vec<&WebhookEvent> = events.iter().collect();
        let sorted = sort(&refs);
        let people = fold_people(&sorted.people);
        let q = lookup(&sorted, &people);
        assert_eq!(
            q.customers,
            [
                (String::new(), "15550000001".to_owned()),
                (String::new(), "15550000002".to_owned())
            ],
            "sorted, once each"
        );
        assert_eq!(q.wamids, ["s1"], "failures take the one-by-one path");
        assert!(lookup(&sort(&[]), &HashMap::new()).is_empty());
    }

    #[test]
    fn one_customer_writing_to_two_numbers_is_two_contacts() {
        let on = |n: &str, wamid: &str| {
            let mut e = text(wamid, "15550000001", Some("Alice"), 1);
            if let WebhookEvent::Inbound(m) = &mut e {
                m.customer.phone_number_id = Some(n.into());
            }
            e
        };
        let events = [on("111", "w1"), on("222", "w2"), on("111", "w3")];
        let refs: Vec<&WebhookEvent> = events.iter().collect();
        let sorted = sort(&refs);
        let people = fold_people(&sorted.people);
        let mut sales = identity("c1", "15550000001", "Alice");
        sales.phone_number_id = "111".into();
        let found = Found {
            contacts: vec![sales],
            messages: Vec::new(),
        };
        let q = lookup(&sorted, &people);
        assert_eq!(
            q.customers.len(),
            2,
            "one key per number: {:?}",
            q.customers
        );
        let (effects, _) = plan(&sorted, &people, &q, &found, t(100));
        assert_eq!(effects.contacts.len(), 1, "only the second number's is new");
        assert_eq!(
            effects.contacts[0].who.phone_number_id.as_deref(),
            Some("222")
        );
        let support = effects.contacts[0].id.clone();
        let contacts: Vec<Option<&str>> = effects
            .inbound
            .iter()
            .map(|m| m.contact_id.as_deref())
            .collect();
        assert_eq!(contacts, [Some("c1"), Some(support.as_str()), Some("c1")]);
    }

    #[test]
    fn only_customers_unknown_or_out_of_date_are_ensured() {
        let events = [
            text("w1", "15550000001", Some("Alice"), 1),
            text("w2", "15550000002", Some("Bob B"), 2),
            text("w3", "15550000003", Some("Carol"), 3),
        ];
        let refs: Vec<&WebhookEvent> = events.iter().collect();
        let sorted = sort(&refs);
        let people = fold_people(&sorted.people);
        let found = Found {
            contacts: vec![
                identity("c1", "15550000001", "Alice"),
                identity("c2", "15550000002", "Bob"),
            ],
            messages: Vec::new(),
        };
        let (effects, late) = plan(&sorted, &people, &lookup(&sorted, &people), &found, t(100));
        assert!(late.is_empty());
        assert_eq!(effects.now, t(100));
        let ensured: Vec<(&str, Option<&str>)> = effects
            .contacts
            .iter()
            .map(|c| (c.id.as_str(), c.who.wa_id.as_deref()))
            .collect();
        assert_eq!(ensured.len(), 2, "Alice is up to date: {ensured:?}");
        assert_eq!(ensured[0], ("c2", Some("15550000002")), "Bob's new name");
        assert_eq!(ensured[1].1, Some("15550000003"));
        let carol = ensured[1].0;
        assert!(
            !carol.is_empty() && carol != "c1" && carol != "c2",
            "a fresh id"
        );
        let contacts: Vec<Option<&str>> = effects
            .inbound
            .iter()
            .map(|m| m.contact_id.as_deref())
            .collect();
        assert_eq!(contacts, [Some("c1"), Some("c2"), Some(carol)]);
        assert!(effects.placeholders.is_empty() && effects.folds.is_empty());
    }

    #[test]
    fn statuses_go_to_the_message_found_a_placeholder_or_the_one_by_one_path() {
        let events = [
            status("known", MessageStatus::Delivered, 1, false),
            status("stranger", MessageStatus::Failed, 2, false),
            status("stranger", MessageStatus::Read, 3, false),
            status("racing", MessageStatus::Sent, 4, true),
            status("racing", MessageStatus::Delivered, 5, false),
            status("known", MessageStatus::Sent, 6, false),
        ];
        let refs: Vec<&WebhookEvent> = events.iter().collect();
        let sorted = sort(&refs);
        let found = Found {
            contacts: Vec::new(),
            messages: vec![("known".into(), "m1".into())],
        };
        let (effects, late) = plan(
            &sorted,
            &HashMap::new(),
            &lookup(&sorted, &HashMap::new()),
            &found,
            t(100),
        );
        assert_eq!(effects.folds.len(), 2, "{:?}", effects.folds);
        assert_eq!(effects.folds[0].wamid, "known");
        assert_eq!(effects.folds[0].message_id.as_deref(), Some("m1"));
        assert_eq!(
            effects.folds[0].status,
            MessageStatus::Delivered,
            "never backwards"
        );
        assert_eq!(effects.placeholders.len(), 1);
        let p = &effects.placeholders[0];
        assert_eq!(p.message_id.as_deref(), Some("stranger"));
        assert_eq!(
            p.created_at,
            t(2),
            "made from the first status, the failure included"
        );
        assert_eq!(effects.folds[1].message_id.as_deref(), Some(p.id.as_str()));
        let late: Vec<(&str, &MessageStatus)> =
            late.iter().map(|s| (s.wamid.as_str(), &s.status)).collect();
        assert_eq!(
            late,
            [
                ("racing", &MessageStatus::Sent),
                ("racing", &MessageStatus::Delivered)
            ],
            "a callback may join a send not committed yet: every status of it, in order"
        );
    }
}
