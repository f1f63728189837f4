//! The business numbers the sandbox plays. The one it starts with
//! ([`SandboxConfig::phone_number_id`]) and any added later ([`Sandbox::add_number`], or
//! `POST /sandbox/numbers`) share the WhatsApp Business Account, the app secret, the token, the
//! templates, the timings and the limits; each has its own `phone_number_id` and display number,
//! which its Graph endpoints answer to and its webhooks carry in `metadata`, as Meta's do when
//! one app serves several numbers on one webhook URL.

use std::borrow::Cow;
use std::sync::Arc;

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{Sandbox, SandboxConfig};

/// One business number the sandbox plays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SandboxNumber {
    /// Meta's id of the number (the Graph path segment and `metadata.phone_number_id`).
    pub phone_number_id: String,
    /// The number in digits, as Meta's `metadata.display_phone_number`.
    pub display_phone_number: String,
}

/// Most numbers the sandbox plays besides its first (Meta's default per Business Manager is 2,
/// raised on request up to 20 and beyond; a sandbox needs no more).
pub const MAX_NUMBERS: usize = 100;

impl Sandbox {
    /// Plays `phone_number_id` too, shown as `display_phone_number` (digits; a leading `+` and
    /// separators are dropped). Without digits the sandbox makes one up in the 555 range,
    /// `1555` and seven digits from the id's tail, moved on until no other number shows it
    /// (`400000000000006` and `600000000000006` get two). Adding a number again changes its
    /// display number (a made-up one stays); the first number cannot be changed. False when
    /// [`MAX_NUMBERS`] are already played or an id is empty.
    pub fn add_number(
        &self,
        phone_number_id: impl Into<String>,
        display_phone_number: impl AsRef<str>,
    ) -> bool {
        let pid = phone_number_id.into();
        let display: String = display_phone_number
            .as_ref()
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        if pid.is_empty() || pid == self.config.phone_number_id {
            return !pid.is_empty();
        }
        let Ok(mut numbers) = self.numbers.write() else {
            return false;
        };
        if let Some(n) = numbers.iter_mut().find(|n| n.phone_number_id == pid) {
            if !display.is_empty() {
                n.display_phone_number = display;
            }
            return true;
        }
        if numbers.len() >= MAX_NUMBERS {
            return false;
        }
        let display = if display.is_empty() {
            // Chosen under the lock, so two numbers added at once never get the same.
            let taken = |d: &str| {
                d == self.config.display_phone_number
                    || numbers.iter().any(|n| n.display_phone_number == d)
            };
            made_up_display(&pid, taken)
        } else {
            display
        };
        numbers.push(SandboxNumber {
            phone_number_id: pid,
            display_phone_number: display,
        });
        true
    }

    /// Every number the sandbox plays, its first one first.
    #[must_use]
    pub fn numbers(&self) -> Vec<SandboxNumber> {
        let mut all = vec![SandboxNumber {
            phone_number_id: self.config.phone_number_id.clone(),
            display_phone_number: self.config.display_phone_number.clone(),
        }];
        if let Ok(n) = self.numbers.read() {
            all.extend(n.iter().cloned());
        }
        all
    }

    /// Whether the sandbox plays the number with id `phone_number_id`.
    pub(crate) fn plays(&self, phone_number_id: &str) -> bool {
        phone_number_id == self.config.phone_number_id
            || self
                .numbers
                .read()
                .is_ok_and(|n| n.iter().any(|n| n.phone_number_id == phone_number_id))
    }

    /// The number named by `key`: its `phone_number_id` or its display number (digits).
    pub(crate) fn number_named(&self, key: &str) -> Option<SandboxNumber> {
        let digits: String = key.chars().filter(char::is_ascii_digit).collect();
        self.numbers().into_iter().find(|n| {
            n.phone_number_id == key || (!digits.is_empty() && n.display_phone_number == digits)
        })
    }

    /// The configuration as seen from number `phone_number_id`: the same, with that number's
    /// id and display number (the first number's configuration when it is not played).
    pub(crate) fn config_for(&self, phone_number_id: &str) -> Cow<'_, SandboxConfig> {
        if phone_number_id == self.config.phone_number_id {
            return Cow::Borrowed(&self.config);
        }
        let found = self.numbers.read().ok().and_then(|n| {
            n.iter()
                .find(|n| n.phone_number_id == phone_number_id)
                .cloned()
        });
        match found {
            Some(n) => {
                let mut cfg = self.config.clone();
                cfg.phone_number_id = n.phone_number_id;
                cfg.display_phone_number = n.display_phone_number;
                Cow::Owned(cfg)
            }
            None => Cow::Borrowed(&self.config),
        }
    }
}

/// A display number in the 555 range for `pid`: `1555` and the last seven digits of the id,
/// plus one (modulo 10⁷) until `taken` says no other number shows it.
fn made_up_display(pid: &str, taken: impl Fn(&str) -> bool) -> String {
    let digits: String = pid.chars().filter(char::is_ascii_digit).collect();
    let tail = &digits[digits.len().saturating_sub(7)..];
    let mut n: u32 = tail.parse().unwrap_or(0);
    for _ in 0..=MAX_NUMBERS {
        let d = format!("1555{n:07}");
        if !taken(&d) {
            return d;
        }
        n = (n + 1) % 10_000_000;
    }
    format!("1555{n:07}")
}

/// `GET /sandbox/numbers`: the numbers the sandbox plays, its first one first.
pub async fn list(sandbox: web::Data<Arc<Sandbox>>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "numbers": sandbox.numbers() }))
}

/// `POST /sandbox/numbers {"phone_number_id": "…", "display_phone_number": "…"}`: the sandbox
/// plays that number too (a server that adds a number through `/api/whatsapp/numbers` with the
/// embedded sandbox does this itself). 201 with the list; 400 for a bad body.
pub async fn add(sandbox: web::Data<Arc<Sandbox>>, body: web::Bytes) -> HttpResponse {
    let bad = |m: String| {
        HttpResponse::BadRequest()
            .json(json!({ "error": { "code": "invalid_request", "message": m } }))
    };
    let n: SandboxNumber = match serde_json::from_slice(&body) {
        Ok(n) => n,
        Err(e) => {
            return bad(format!(
                "expected {{\"phone_number_id\": \"…\", \"display_phone_number\": \"…\"}}: {e}"
            ))
        }
    };
    let id_ok = !n.phone_number_id.is_empty()
        && n.phone_number_id.len() <= 32
        && n.phone_number_id.chars().all(|c| c.is_ascii_digit());
    let digits = n
        .display_phone_number
        .chars()
        .filter(char::is_ascii_digit)
        .count();
    if !id_ok || !(8..=15).contains(&digits) {
        return bad(
            "phone_number_id must be 1 to 32 digits and display_phone_number 8 to 15 digits".into(),
        );
    }
    if !sandbox.add_number(n.phone_number_id, &n.display_phone_number) {
        return bad(format!(
            "the sandbox plays at most {} numbers",
            MAX_NUMBERS + 1
        ));
    }
    HttpResponse::Created().json(json!({ "numbers": sandbox.numbers() }))
}

#[cfg(test)]
mod tests {
    use super::made_up_display;

    #[test]
    fn made_up_display_numbers_never_collide() {
        let first = made_up_display("400000000000006", |_| false);
        assert_eq!(first, "15550000006");
        let second = made_up_display("600000000000006", |d| d == first);
        assert_eq!(second, "15550000007");
        assert_eq!(made_up_display("12", |_| false), "15550000012");
    }
}
