//! Calls (WhatsApp Business Calling, issue 17): the call log folded from Meta's `calls`
//! webhooks, and the customer's call permission. No audio: wacloud records what happened.
//!
//! A call is one [`CallLog`] whatever arrives and however often: [`CallLog::apply`] folds an
//! event in so that applying the same event again changes nothing, and `connect` and
//! `terminate` make one entry with its duration. The outcome ([`CallOutcome`]) is derived from
//! everything seen, so it does not depend on the order events arrive in.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::events::{CallEvent, CallEventKind};
use crate::message::Direction;

/// What became of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    /// Started, not answered yet.
    Ringing,
    /// Answered (`ACCEPTED`, or the callee's SDP answer on `connect`), not ended yet.
    Ongoing,
    /// Ended after it was answered.
    Answered,
    /// Ended without being answered.
    Missed,
    /// The callee declined (`REJECTED`).
    Rejected,
    /// Ended with `status: FAILED`.
    Failed,
}

impl CallOutcome {
    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ringing => "ringing",
            Self::Ongoing => "ongoing",
            Self::Answered => "answered",
            Self::Missed => "missed",
            Self::Rejected => "rejected",
            Self::Failed => "failed",
        }
    }

    /// Reads a stored name; an unknown one reads as `ringing`.
    #[must_use]
    pub fn parse(s: &str) -> Self {
        match s {
            "ongoing" => Self::Ongoing,
            "answered" => Self::Answered,
            "missed" => Self::Missed,
            "rejected" => Self::Rejected,
            "failed" => Self::Failed,
            _ => Self::Ringing,
        }
    }
}

/// One call, as the log shows it (`GET /contacts/{phone}/calls`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallLog {
    /// Meta's call id (`wacid.…`).
    pub id: String,
    /// The business number.
    pub phone_number_id: String,
    /// The contact (`None` when the events named no customer).
    pub contact_id: Option<String>,
    /// The customer's `wa_id`, when known.
    pub wa_id: Option<String>,
    /// `inbound` (the customer called: `USER_INITIATED`) or `outbound` (`BUSINESS_INITIATED`).
    pub direction: Direction,
    /// What became of it.
    pub outcome: CallOutcome,
    /// Meta's last call status (`RINGING`, `ACCEPTED`, `REJECTED`, `COMPLETED`, `FAILED`).
    pub status: Option<String>,
    /// When it started: the earliest time any event gives (Meta's `start_time`, `timestamp`).
    pub started_at: DateTime<Utc>,
    /// When it was answered, if it was.
    pub connected_at: Option<DateTime<Utc>>,
    /// When it ended (`terminate`'s `end_time`, else its `timestamp`).
    pub ended_at: Option<DateTime<Utc>>,
    /// Seconds it lasted: Meta's `duration`, else `end_time − start_time` of an answered call.
    pub duration_seconds: Option<i64>,
    /// What was seen, each once, in order of arrival (`connect`, `status:RINGING`,
    /// `terminate:COMPLETED`, …).
    pub events: Vec<String>,
    /// Meta's error on the call (`code title`), if any.
    pub error: Option<String>,
}

fn earliest(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

impl CallLog {
    /// A call first heard of through `e`, for `contact_id`.
    #[must_use]
    pub fn new(e: &CallEvent, contact_id: Option<String>) -> Self {
        Self {
            id: e.call_id.clone(),
            phone_number_id: e.phone_number_id.clone(),
            contact_id,
            wa_id: e.customer.wa_id.clone(),
            direction: e.direction.unwrap_or(Direction::Outbound),
            outcome: CallOutcome::Ringing,
            status: None,
            started_at: e.at,
            connected_at: None,
            ended_at: None,
            duration_seconds: None,
            events: Vec::new(),
            error: None,
        }
        .apply(e)
    }

    /// The log with `e` folded in. Applying an event already applied changes nothing.
    #[must_use]
    pub fn apply(mut self, e: &CallEvent) -> Self {
        let tag = match &e.kind {
            CallEventKind::Connect => "connect".to_owned(),
            CallEventKind::Status { status } => format!("status:{status}"),
            CallEventKind::Terminate { status, .. } => {
                format!("terminate:{}", status.as_deref().unwrap_or(""))
            }
        };
        if !self.events.contains(&tag) {
            self.events.push(tag);
        }
        if let Some(d) = e.direction {
            self.direction = d;
        }
        if self.wa_id.is_none() {
            self.wa_id.clone_from(&e.customer.wa_id);
        }
        self.started_at = self.started_at.min(e.at);
        match &e.kind {
            CallEventKind::Connect => {
                // For a call the business made, `connect` carries the callee's SDP answer: it
                // was answered. A customer's call rings at the business until accepted.
                if self.direction == Direction::Outbound {
                    self.connected_at = earliest(self.connected_at, Some(e.at));
                }
            }
            CallEventKind::Status { status } => {
                if status == "ACCEPTED" {
                    self.connected_at = earliest(self.connected_at, Some(e.at));
                }
                if self.ended_at.is_none() {
                    self.status = Some(status.clone());
                }
            }
            CallEventKind::Terminate {
                status,
                start_time,
                end_time,
                duration,
            } => {
                if let Some(s) = start_time {
                    self.started_at = self.started_at.min(*s);
                }
                self.ended_at = Some(end_time.unwrap_or(e.at));
                self.status.clone_from(status);
                let answered = duration.is_some_and(|d| d > 0) || self.connected_at.is_some();
                self.duration_seconds = match (duration, start_time, end_time) {
                    (Some(d), _, _) => Some(*d),
                    (None, Some(s), Some(t)) if answered => Some((*t - *s).num_seconds().max(0)),
                    _ => self.duration_seconds,
                };
                if answered && self.connected_at.is_none() {
                    self.connected_at = *start_time;
                }
            }
        }
        if let Some(err) = &e.error {
            self.error = Some(err.clone());
        }
        self.outcome = self.derive_outcome();
        self
    }

    fn saw(&self, prefix: &str) -> bool {
        self.events.iter().any(|t| t.starts_with(prefix))
    }

    fn derive_outcome(&self) -> CallOutcome {
        let rejected = self.saw("status:REJECTED");
        let answered = self.connected_at.is_some() || self.duration_seconds.is_some_and(|d| d > 0);
        if self.saw("terminate:") {
            if self.saw("terminate:FAILED") {
                CallOutcome::Failed
            } else if rejected {
                CallOutcome::Rejected
            } else if answered {
                CallOutcome::Answered
            } else {
                CallOutcome::Missed
            }
        } else if rejected {
            CallOutcome::Rejected
        } else if answered {
            CallOutcome::Ongoing
        } else {
            CallOutcome::Ringing
        }
    }
}

/// The customer's answer to a call permission request, as tracked on the contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallPermission {
    /// `requested` (wacloud sent a request, no answer yet), `accept` or `reject` (Meta's
    /// `call_permission_reply.response`).
    pub state: String,
    /// When: the request's send, or Meta's timestamp of the reply.
    pub at: DateTime<Utc>,
    /// Until when an acceptance lets the business call (Meta's `expiration_timestamp`).
    pub expires_at: Option<DateTime<Utc>>,
}

impl CallPermission {
    /// Whether the business may call now: accepted and not expired.
    #[must_use]
    pub fn may_call(&self, now: DateTime<Utc>) -> bool {
        self.state == "accept" && self.expires_at.is_none_or(|t| t > now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::CustomerRef;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_752_000_000 + s, 0).unwrap()
    }

    fn event(kind: CallEventKind, t: i64, direction: Option<Direction>) -> CallEvent {
        CallEvent {
            phone_number_id: "1".into(),
            call_id: "wacid.1".into(),
            customer: CustomerRef {
                wa_id: Some("15550001111".into()),
                ..CustomerRef::default()
            },
            direction,
            kind,
            at: at(t),
            error: None,
        }
    }

    fn terminate(status: &str, start: i64, end: i64, duration: Option<i64>) -> CallEvent {
        event(
            CallEventKind::Terminate {
                status: Some(status.into()),
                start_time: Some(at(start)),
                end_time: Some(at(end)),
                duration,
            },
            end,
            Some(Direction::Inbound),
        )
    }

    #[test]
    fn connect_and_terminate_make_one_answered_call_with_its_duration() {
        let connect = event(CallEventKind::Connect, 0, Some(Direction::Inbound));
        let end = terminate("COMPLETED", 2, 194, Some(192));
        let log = CallLog::new(&connect, None).apply(&end);
        assert_eq!(log.outcome, CallOutcome::Answered);
        assert_eq!(log.duration_seconds, Some(192));
        assert_eq!(log.started_at, at(0));
        assert_eq!(log.ended_at, Some(at(194)));
        // Redelivered, in any order: the same log.
        assert_eq!(log.clone().apply(&end).apply(&connect), log);
        let reversed = CallLog::new(&end, None).apply(&connect);
        assert_eq!(reversed.outcome, CallOutcome::Answered);
        assert_eq!(reversed.duration_seconds, Some(192));
    }

    #[test]
    fn a_customer_call_never_answered_is_missed_and_a_rejected_one_rejected() {
        let connect = event(CallEventKind::Connect, 0, Some(Direction::Inbound));
        let log = CallLog::new(&connect, None);
        assert_eq!(log.outcome, CallOutcome::Ringing);
        let missed = log.apply(&terminate("COMPLETED", 0, 30, None));
        assert_eq!(missed.outcome, CallOutcome::Missed);
        assert_eq!(missed.duration_seconds, None);

        let ringing = event(
            CallEventKind::Status {
                status: "RINGING".into(),
            },
            0,
            None,
        );
        let rejected = event(
            CallEventKind::Status {
                status: "REJECTED".into(),
            },
            5,
            None,
        );
        let log = CallLog::new(&ringing, None).apply(&rejected);
        assert_eq!(log.outcome, CallOutcome::Rejected);
        assert_eq!(log.direction, Direction::Outbound);
        let failed = CallLog::new(&terminate("FAILED", 0, 1, None), None);
        assert_eq!(failed.outcome, CallOutcome::Failed);
    }

    #[test]
    fn a_business_call_is_answered_at_its_connect() {
        let connect = event(CallEventKind::Connect, 3, Some(Direction::Outbound));
        let log = CallLog::new(&connect, None);
        assert_eq!(log.outcome, CallOutcome::Ongoing);
        assert_eq!(log.connected_at, Some(at(3)));
    }

    #[test]
    fn permission_lasts_until_it_expires() {
        let p = CallPermission {
            state: "accept".into(),
            at: at(0),
            expires_at: Some(at(100)),
        };
        assert!(p.may_call(at(50)));
        assert!(!p.may_call(at(100)));
        let r = CallPermission {
            state: "reject".into(),
            at: at(0),
            expires_at: None,
        };
        assert!(!r.may_call(at(1)));
    }
}
