//! Administration of the WhatsApp Business Account: its activity log
//! (`/{waba_id}/activities`), schedules (`/{waba_id}/schedules`) and the users assigned
//! to it (`/{waba_id}/assigned_users`).
//!
//! Every call needs the WABA id ([`crate::GraphClientBuilder::waba_id`]). Refusals come
//! back as [`GraphError::Api`]: 100 (invalid parameter), 200 and 10 (the token lacks
//! `business_management` or `whatsapp_business_management`), 4 and 80008 (rate limits).

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::GraphClient;
use crate::error::GraphError;
use crate::messages::{char_count, ValidationError};
use crate::node::{id_arg, to_body};
use crate::waba::CreatedId;

/// One entry of the WABA's activity log. Unknown fields are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WabaActivity {
    /// The entry's id.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub id: Option<String>,
    /// What happened: `PHONE_NUMBER_VERIFIED`, `USER_ADDED`, `TEMPLATE_CREATED`, ...
    #[serde(default)]
    pub activity_type: Option<String>,
    /// When, ISO 8601.
    #[serde(default)]
    pub timestamp: Option<String>,
    /// Who: `USER`, `SYSTEM`, `API`, `ADMIN`, `AUTOMATED_PROCESS`.
    #[serde(default)]
    pub actor_type: Option<String>,
    /// The actor's name.
    #[serde(default)]
    pub actor_name: Option<String>,
    /// What happened, in words.
    #[serde(default)]
    pub description: Option<String>,
    /// Every other field (`actor_id`, `details`, `ip_address`, `user_agent`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A schedule of the WABA. Unknown fields are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WabaSchedule {
    /// The schedule's id.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub id: Option<String>,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// `ACTIVE`, `INACTIVE`, `PAUSED`, `EXPIRED`, `DRAFT`.
    #[serde(default)]
    pub status: Option<String>,
    /// `BUSINESS_HOURS`, `AUTOMATED_RESPONSE`, `MESSAGE_CAMPAIGN`, `MAINTENANCE_WINDOW`,
    /// `CUSTOM`.
    #[serde(default)]
    pub schedule_type: Option<String>,
    /// Start, `HH:MM`.
    #[serde(default)]
    pub start_time: Option<String>,
    /// End, `HH:MM`.
    #[serde(default)]
    pub end_time: Option<String>,
    /// Every other field (`timezone`, `days_of_week`, `is_active`, `recurrence_pattern`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The body of `POST /{waba_id}/schedules`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct NewSchedule {
    name: String,
    schedule_type: String,
    start_time: String,
    end_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timezone: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    days_of_week: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_active: Option<bool>,
}

fn hh_mm(field: &str, s: &str) -> Result<(), ValidationError> {
    let ok = s.len() == 5
        && s.as_bytes()[2] == b':'
        && s[..2].parse::<u8>().is_ok_and(|h| h < 24)
        && s[3..].parse::<u8>().is_ok_and(|m| m < 60);
    if ok {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            format!("{s:?} is not a time HH:MM"),
        ))
    }
}

impl NewSchedule {
    /// A schedule named `name` (1 to 100 characters) of `schedule_type` from `start_time`
    /// to `end_time` (`HH:MM`).
    pub fn new(
        name: impl Into<String>,
        schedule_type: impl Into<String>,
        start_time: impl Into<String>,
        end_time: impl Into<String>,
    ) -> Result<Self, ValidationError> {
        let (name, schedule_type) = (name.into(), schedule_type.into());
        let (start_time, end_time) = (start_time.into(), end_time.into());
        let n = char_count(&name);
        if !(1..=100).contains(&n) {
            return Err(ValidationError::new(
                "name",
                format!("schedule name is {n} characters; Meta allows 1 to 100"),
            ));
        }
        if schedule_type.trim().is_empty() {
            return Err(ValidationError::new(
                "schedule_type",
                "the schedule type is empty",
            ));
        }
        hh_mm("start_time", &start_time)?;
        hh_mm("end_time", &end_time)?;
        Ok(Self {
            name,
            schedule_type,
            start_time,
            end_time,
            description: None,
            timezone: None,
            days_of_week: Vec::new(),
            is_active: None,
        })
    }

    /// What it is for, at most 500 characters.
    pub fn description(mut self, d: impl Into<String>) -> Result<Self, ValidationError> {
        let d = d.into();
        if char_count(&d) > 500 {
            return Err(ValidationError::new(
                "description",
                "schedule description is over Meta's limit of 500 characters",
            ));
        }
        self.description = Some(d);
        Ok(self)
    }

    /// The IANA time zone, e.g. `America/New_York`.
    pub fn timezone(mut self, tz: impl Into<String>) -> Self {
        self.timezone = Some(tz.into());
        self
    }

    /// The days it applies on (`MONDAY` … `SUNDAY`).
    pub fn days_of_week(mut self, days: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.days_of_week = days.into_iter().map(Into::into).collect();
        self
    }

    /// Whether it is active once created.
    pub fn is_active(mut self, on: bool) -> Self {
        self.is_active = Some(on);
        self
    }
}

/// A user assigned to the WABA.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AssignedUser {
    /// The user's id.
    #[serde(deserialize_with = "crate::de::id")]
    pub id: String,
    /// Their name.
    #[serde(default)]
    pub name: Option<String>,
    /// `BUSINESS_USER`, `SYSTEM_USER`, `PERSONAL_USER`.
    #[serde(default)]
    pub user_type: Option<String>,
    /// `{"id", "name"}` of their business.
    #[serde(default)]
    pub business: Option<Value>,
    /// Their tasks, when asked for.
    #[serde(default)]
    pub tasks: Vec<String>,
}

impl GraphClient {
    /// The WABA's activity log (`GET /{waba_id}/activities`, all pages), optionally from
    /// `since` to `until` (Unix seconds or ISO 8601) and of some `activity_type`s
    /// (comma-separated).
    pub async fn waba_activities(
        &self,
        since: Option<&str>,
        until: Option<&str>,
        activity_type: Option<&str>,
    ) -> Result<Vec<WabaActivity>, GraphError> {
        let waba = self.require_waba("waba_activities")?;
        let url = self.node_url(&[waba, "activities"]);
        let query: Vec<(&str, &str)> = [
            ("since", since),
            ("until", until),
            ("activity_type", activity_type),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
        self.get_all_pages(&url, &query, "activities answer").await
    }

    /// The WABA's schedules (`GET /{waba_id}/schedules`, all pages).
    pub async fn waba_schedules(&self) -> Result<Vec<WabaSchedule>, GraphError> {
        let waba = self.require_waba("waba_schedules")?;
        let url = self.node_url(&[waba, "schedules"]);
        self.get_all_pages(&url, &[], "schedules answer").await
    }

    /// Creates a schedule (`POST /{waba_id}/schedules`) and answers its id.
    pub async fn create_waba_schedule(
        &self,
        schedule: &NewSchedule,
    ) -> Result<CreatedId, GraphError> {
        let waba = self.require_waba("create_waba_schedule")?;
        self.write_node(
            Method::POST,
            &[waba, "schedules"],
            &[],
            Some(to_body(schedule)?),
            "schedule answer",
        )
        .await
    }

    /// The users assigned to the WABA (`GET /{waba_id}/assigned_users?business=…`, all
    /// pages); `business` is the id of the business portfolio that owns or shares it.
    pub async fn assigned_users(&self, business: &str) -> Result<Vec<AssignedUser>, GraphError> {
        let waba = self.require_waba("assigned_users")?;
        id_arg("business", "the business id", business)?;
        let url = self.node_url(&[waba, "assigned_users"]);
        self.get_all_pages(&url, &[("business", business)], "assigned users answer")
            .await
    }

    /// Gives a user `tasks` on the WABA (`POST /{waba_id}/assigned_users`; 1 to 16 of
    /// `MANAGE`, `DEVELOP`, `MANAGE_TEMPLATES`, `MANAGE_PHONE`, `VIEW_COST`, ...,
    /// `FULL_CONTROL`). The body is `application/x-www-form-urlencoded`, as the spec
    /// has it: `user` and `tasks` (a JSON array, the form Graph reads lists in).
    pub async fn add_assigned_user(&self, user: &str, tasks: &[&str]) -> Result<(), GraphError> {
        let waba = self.require_waba("add_assigned_user")?;
        check_user(user)?;
        if tasks.is_empty() || tasks.len() > 16 {
            return Err(GraphError::Validation(ValidationError::new(
                "tasks",
                format!("{} tasks; Meta takes 1 to 16", tasks.len()),
            )));
        }
        let tasks = Value::from(tasks.to_vec()).to_string();
        self.write_urlencoded_success(
            Method::POST,
            &[waba, "assigned_users"],
            vec![("user", user.to_owned()), ("tasks", tasks)],
            "assign user answer",
        )
        .await
    }

    /// Removes a user from the WABA (`DELETE /{waba_id}/assigned_users` with the form
    /// body `user=…`, as the spec has it).
    pub async fn remove_assigned_user(&self, user: &str) -> Result<(), GraphError> {
        let waba = self.require_waba("remove_assigned_user")?;
        check_user(user)?;
        self.write_urlencoded_success(
            Method::DELETE,
            &[waba, "assigned_users"],
            vec![("user", user.to_owned())],
            "remove user answer",
        )
        .await
    }
}

fn check_user(user: &str) -> Result<(), ValidationError> {
    if user.is_empty() || !user.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ValidationError::new(
            "user",
            format!("user {user:?} must be a numeric user id"),
        ));
    }
    Ok(())
}
