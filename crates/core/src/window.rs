//! The customer service window: a business may send free-form messages to a customer only
//! within 24 hours of that customer's last message (Meta's timestamp); outside it, only templates.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// Length of Meta's customer service window.
pub const WINDOW: Duration = Duration::hours(24);

/// The state of one contact's window at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CustomerServiceWindow {
    /// Whether free-form messages are allowed now.
    pub open: bool,
    /// When it closes (or closed); `None` if the customer never wrote.
    pub expires_at: Option<DateTime<Utc>>,
}

impl CustomerServiceWindow {
    /// The window given Meta's timestamp of the customer's last inbound message.
    #[must_use]
    pub fn from_last_inbound(last_inbound_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Self {
        match last_inbound_at {
            None => Self {
                open: false,
                expires_at: None,
            },
            Some(t) => {
                let expires = t + WINDOW;
                Self {
                    open: now < expires,
                    expires_at: Some(expires),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn open_for_24_hours_from_metas_timestamp() {
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let w = CustomerServiceWindow::from_last_inbound(Some(t), t + Duration::hours(23));
        assert!(w.open);
        assert_eq!(w.expires_at, Some(t + WINDOW));
        let w = CustomerServiceWindow::from_last_inbound(Some(t), t + WINDOW);
        assert!(!w.open, "closed exactly at 24 h");
        assert!(!CustomerServiceWindow::from_last_inbound(None, t).open);
    }
}
