//! [`AutomationRepos`]: the repository methods of automations (rules, a number's automatic
//! replies, a conversation's bot and last automatic reply). Every [`Repos`](super::Repos) has
//! them.

use chrono::{DateTime, Utc};

use super::error::StoreError;
use crate::automation::{AutomationSettings, Rule};

/// What automations keep on a conversation (`whatsapp_conversations`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConversationAutomation {
    /// The bot subscription that owns it, if any.
    pub bot_subscription_id: Option<String>,
    /// Since when.
    pub bot_since: Option<DateTime<Utc>>,
    /// When it last got a welcome or away reply.
    pub last_auto_reply_at: Option<DateTime<Utc>>,
}

/// The repository methods of automations.
pub trait AutomationRepos {
    /// Records that automations ran for the message `message_id`; `Ok(false)`, and nothing
    /// written, when they already did (the run's exactly-once key, in its transaction).
    fn claim_automation_run(
        &mut self,
        message_id: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Removes at most `limit` run keys older than `before`; answers how many went.
    fn prune_automation_runs(
        &mut self,
        before: DateTime<Utc>,
        limit: i64,
    ) -> Result<usize, StoreError>;
    /// Whether any automation is active: an enabled rule, or a number with a welcome or away
    /// reply (what decides whether new customer messages get a `rules` outbox row).
    fn automations_active(&mut self) -> Result<bool, StoreError>;
    /// A number's automatic replies, if set.
    fn automation_settings(
        &mut self,
        phone_number_id: &str,
    ) -> Result<Option<AutomationSettings>, StoreError>;
    /// Writes a number's automatic replies.
    fn put_automation_settings(
        &mut self,
        phone_number_id: &str,
        s: &AutomationSettings,
        at: DateTime<Utc>,
        by: &str,
    ) -> Result<(), StoreError>;
    /// Every rule, in order (`position`, then creation).
    fn list_rules(&mut self) -> Result<Vec<Rule>, StoreError>;
    /// The rule with this id.
    fn get_rule(&mut self, id: &str) -> Result<Option<Rule>, StoreError>;
    /// Adds a rule, or replaces its definition (name, position, flags, conditions, actions)
    /// when the id exists; counters are left as stored.
    fn put_rule(&mut self, r: &Rule) -> Result<(), StoreError>;
    /// Removes a rule; `Ok(false)` when there was none.
    fn delete_rule(&mut self, id: &str) -> Result<bool, StoreError>;
    /// Counts a run of the rule (and a failure with its reason, when `error` is given).
    fn count_rule_run(
        &mut self,
        id: &str,
        error: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// What automations keep on a contact's conversation (all `None` when no row).
    fn conversation_automation(
        &mut self,
        contact_id: &str,
    ) -> Result<ConversationAutomation, StoreError>;
    /// Gives the conversation to a bot subscription, or back (`None`); makes an open,
    /// unassigned conversation row when none is stored, and announces the change.
    fn put_conversation_bot(
        &mut self,
        contact_id: &str,
        subscription_id: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Records that the conversation got a welcome or away reply at `at`.
    fn set_last_auto_reply(
        &mut self,
        contact_id: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Whether the contact has an inbound message stored before `message_id` (ids are
    /// UUIDv7: ordered by storage time).
    fn has_earlier_inbound(
        &mut self,
        contact_id: &str,
        message_id: &str,
    ) -> Result<bool, StoreError>;
}
