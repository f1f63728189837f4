//! Applying a batch's events inside one write transaction: the common kinds (plain one-to-one
//! messages, statuses other than failures, contact profiles) with a few set-based statements,
//! the rest one by one ([`super::one_by_one`]) after them, so that reactions, edits and failures
//! find what the batch inserted. The effects equal those of applying every event on its own, in
//! delivery order.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::contact::ContactIdentity;
use crate::events::{CustomerRef, InboundMessage, StatusUpdate, WebhookEvent};
use crate::ports::{NewMessage, Repos, StoreError};
use crate::usecases::ingest::fold::{
    contact_deltas, fold_people, fold_statuses, needs_refresh, sort,
};
use crate::usecases::ingest::one_by_one::{
    apply, apply_status, ensure_contact, inbound_row, placeholder,
};

/// Applies `events` (a batch's, in delivery order).
///
/// # Errors
/// [`StoreError`] from any statement; the caller's transaction then rolls back.
pub(crate) fn apply_events(
    r: &mut dyn Repos,
    events: &[&WebhookEvent],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut sorted = sort(events);
    let merged = fold_people(&sorted.people);
    let contact_of = resolve_contacts(r, &merged, now)?;
    apply_inbound_many(r, &sorted.inbound, &contact_of)?;
    let late = apply_statuses_many(r, &sorted.statuses, &sorted.all_statuses)?;
    for e in sorted.rest {
        apply(r, e, now)?;
    }
    for s in late {
        apply_status(r, s, now)?;
    }
    // One-by-one events refreshed profiles in their own order; put back what the whole batch,
    // in delivery order, says last.
    if !sorted.slow_people.is_empty() {
        sorted.slow_people.sort_unstable();
        sorted.slow_people.dedup();
        for c in r.find_contacts_by_wa_ids(&sorted.slow_people)? {
            if let Some(who) = c.wa_id.as_deref().and_then(|w| merged.get(w)) {
                if needs_refresh(&ContactIdentity::from(&c), who) {
                    r.refresh_contact_identity(&c, who, now)?;
                }
            }
        }
    }
    Ok(())
}

/// `wa_id` → contact id for everyone in the batch, creating or refreshing contacts one by one
/// only where needed.
fn resolve_contacts(
    r: &mut dyn Repos,
    merged: &HashMap<&str, CustomerRef>,
    now: DateTime<Utc>,
) -> Result<HashMap<String, String>, StoreError> {
    let mut wa_ids: Vec<&str> = merged.keys().copied().collect();
    wa_ids.sort_unstable();
    let known: HashMap<String, ContactIdentity> = r
        .find_contact_identities(&wa_ids)?
        .into_iter()
        .filter_map(|c| c.wa_id.clone().map(|w| (w, c)))
        .collect();
    let mut out: HashMap<String, String> = HashMap::with_capacity(wa_ids.len());
    for w in wa_ids {
        let who = &merged[w];
        let id = match known.get(w) {
            Some(c) if !needs_refresh(c, who) => Some(c.id.clone()),
            _ => ensure_contact(r, who, now)?,
        };
        if let Some(id) = id {
            out.insert(w.to_owned(), id);
        }
    }
    Ok(out)
}

fn apply_inbound_many(
    r: &mut dyn Repos,
    inbound: &[&InboundMessage],
    contact_of: &HashMap<String, String>,
) -> Result<(), StoreError> {
    if inbound.is_empty() {
        return Ok(());
    }
    let rows: Vec<NewMessage> = inbound
        .iter()
        .map(|m| {
            let contact = m.customer.wa_id.as_ref().and_then(|w| contact_of.get(w));
            inbound_row(m, contact.cloned())
        })
        .collect();
    let fresh = r.insert_messages(&rows)?;
    r.record_contact_deltas(&contact_deltas(inbound, &fresh, contact_of))
}

/// Applies the batch's statuses folded per message in one statement; returns the statuses that
/// need the one-by-one path (unknown `wamid` carrying `biz_opaque_callback_data`, which may
/// join a message whose send has not committed its `wamid` yet). `all` is every status of the
/// batch in delivery order (failures included): a placeholder is made from the first one, as
/// one-by-one application would.
fn apply_statuses_many<'a>(
    r: &mut dyn Repos,
    statuses: &[&'a StatusUpdate],
    all: &[&'a StatusUpdate],
) -> Result<Vec<&'a StatusUpdate>, StoreError> {
    if statuses.is_empty() {
        return Ok(Vec::new());
    }
    let folded = fold_statuses(statuses);
    let wamids: Vec<&str> = folded.iter().map(|f| f.fold.wamid.as_str()).collect();
    let known: HashMap<String, String> = r.find_message_ids(&wamids)?.into_iter().collect();
    let mut late = Vec::new();
    let mut placeholders = Vec::new();
    let mut apply_now = Vec::with_capacity(folded.len());
    for f in folded {
        let mut fold = f.fold;
        if let Some(id) = known.get(&fold.wamid) {
            fold.message_id = Some(id.clone());
            apply_now.push(fold);
        } else if f.has_callback {
            late.extend(statuses.iter().copied().filter(|s| s.wamid == fold.wamid));
        } else {
            let first = all
                .iter()
                .find(|s| s.wamid == fold.wamid)
                .copied()
                .unwrap_or(f.first);
            let row = placeholder(first);
            fold.message_id = Some(row.id.clone());
            placeholders.push(row);
            apply_now.push(fold);
        }
    }
    if !placeholders.is_empty() {
        let fresh = r.insert_messages(&placeholders)?;
        // A placeholder that did not go in (its wamid appeared meanwhile): find the message by
        // its wamid instead.
        for (row, is_new) in placeholders.iter().zip(fresh) {
            if !is_new {
                for f in &mut apply_now {
                    if f.message_id.as_deref() == Some(row.id.as_str()) {
                        f.message_id = None;
                    }
                }
            }
        }
    }
    r.apply_status_folds(&apply_now)?;
    Ok(late)
}
