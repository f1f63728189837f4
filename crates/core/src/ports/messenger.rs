//! [`Messenger`]: the port that sends to Meta.

use std::time::Duration;

use async_trait::async_trait;

use crate::events::TemplateUpdate;
use crate::group::NewGroup;
use crate::outbound::{FailureClass, OutboundContent, OutboundRequest, SendFailure, SendReceipt};
use crate::phone::CustomerKey;
use crate::routing::{PassTarget, ThreadAction};
use crate::template_draft::{CreatedTemplate, HeaderSample, TemplateDraft};

fn no_graph(what: &str) -> SendFailure {
    SendFailure::Invalid(format!(
        "{what} needs a Graph API connection with the WABA id (WHATSAPP_BUSINESS_ACCOUNT_ID)"
    ))
}

/// Sends to Meta (or the sandbox). Implemented by the binary over `wacloud-graph`, whose pacer,
/// retry policy and template checks stand behind the provided methods.
#[async_trait]
pub trait Messenger: Send + Sync + 'static {
    /// Sends one message. Never paces and never retries: the use cases do both.
    async fn send(&self, request: &OutboundRequest) -> Result<SendReceipt, SendFailure>;
    /// Sends a read receipt for an inbound `wamid`.
    async fn mark_read(&self, wamid: &str) -> Result<(), SendFailure>;
    /// Sends a read receipt for an inbound `wamid` with Meta's typing indicator, which the
    /// customer sees until the next message or for at most 25 seconds. Default: the receipt
    /// alone.
    async fn mark_read_typing(&self, wamid: &str) -> Result<(), SendFailure> {
        self.mark_read(wamid).await
    }
    /// The business number messages go out from, in E.164, if known.
    fn business_phone(&self) -> Option<String>;
    /// The business number's `phone_number_id`, if known: the contacts written to belong to it.
    /// Default: none (contacts are then found on any number).
    fn phone_number_id(&self) -> Option<String> {
        None
    }

    /// Waits until one message to `to` fits the number's throughput and the recipient's pair
    /// rate, and takes that slot (for a send made now).
    async fn pace(&self, _to: &CustomerKey) {}
    /// Takes `to`'s pair-rate slot if it is free now, without waiting; otherwise says how long
    /// until it is. Follow a success with [`Messenger::until_number_ready`].
    fn reserve_recipient(&self, _to: &CustomerKey) -> Result<(), Duration> {
        Ok(())
    }
    /// Waits for a slot of the number's throughput and takes it.
    async fn until_number_ready(&self) {}
    /// Waits until one message to group `group_id` fits the number's throughput and the pair
    /// rate, the group being the recipient (Meta counts a group send against the pair (number,
    /// group), and answers 131056 past it), and takes that slot. Default: the throughput only.
    async fn pace_group(&self, _group_id: &str) {
        self.until_number_ready().await;
    }
    /// Meta refused a send with a rate limit: hold the whole number ([`FailureClass::RateLimited`],
    /// 130429) or only `to` ([`FailureClass::PairRateLimited`], 131056) for `wait`.
    fn back_off(&self, _to: &CustomerKey, _class: FailureClass, _wait: Duration) {}
    /// The wait before retry `retry` (1-based) of a send Meta refused for a passing reason,
    /// at least `retry_after` when Meta gave one. Default: 2^(retry−1) s, at most 10 min.
    fn retry_delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let exp = Duration::from_secs(1u64 << retry.saturating_sub(1).min(10))
            .min(Duration::from_secs(600));
        retry_after.map_or(exp, |r| r.max(exp))
    }
    /// Attempts in all for a send refused for a passing reason, before it fails for good.
    fn max_attempts(&self) -> u32 {
        8
    }
    /// A cheap authenticated call to Meta: `Ok` once the access token works.
    async fn probe(&self) -> Result<(), SendFailure> {
        Ok(())
    }
    /// Checks a template message against the components of the stored template (Meta's JSON
    /// text): parameter counts (Meta's 132000). `Err` says what is wrong.
    fn check_template(&self, _content: &OutboundContent, _components: &str) -> Result<(), String> {
        Ok(())
    }
    /// Calls Meta's thread control for `to`'s thread (Conversation Routing, `POST
    /// /{phone_number_id}/thread_control`): `take`, `release`, or `pass` to `target` (required
    /// for `pass`), with `metadata` (at most 2000 characters) forwarded to the app receiving
    /// the thread. A write: never replayed. Default: refused locally
    /// ([`SendFailure::Invalid`]), for a messenger without thread control.
    async fn thread_control(
        &self,
        _to: &CustomerKey,
        _action: ThreadAction,
        _target: Option<&PassTarget>,
        _metadata: Option<&str>,
    ) -> Result<(), SendFailure> {
        Err(SendFailure::Invalid(
            "thread control is not available without a Graph API connection".into(),
        ))
    }
    /// Creates a group on this number (Groups API, `POST /{phone_number_id}/groups`), already
    /// checked against Meta's limits ([`NewGroup::check`]). Answers Meta's `request_id`, which
    /// the `group_lifecycle_update` webhook names with the group id. A write: never replayed.
    /// Default: refused locally ([`SendFailure::Invalid`]).
    async fn create_group(&self, _group: &NewGroup) -> Result<Option<String>, SendFailure> {
        Err(no_groups())
    }
    /// The group's invite link (`GET /{group_id}/invite_link`), or a new one replacing it
    /// when `reset` (`POST /{group_id}/invite_link`). Default: refused locally.
    async fn group_invite_link(
        &self,
        _group_id: &str,
        _reset: bool,
    ) -> Result<String, SendFailure> {
        Err(no_groups())
    }
    /// Removes 1 to 8 participants (phone numbers or `wa_id`s) from the group (`DELETE
    /// /{group_id}/participants`); the `group_participants_update` webhook confirms it.
    /// Default: refused locally.
    async fn remove_group_participants(
        &self,
        _group_id: &str,
        _participants: &[String],
    ) -> Result<(), SendFailure> {
        Err(no_groups())
    }
    /// Sends a text to a group (`POST /{phone_number_id}/messages` with `recipient_type:
    /// "group"` and the group id as `to`), with `callback_data` as `biz_opaque_callback_data`.
    /// Never paces or retries. Default: refused locally.
    async fn send_group_text(
        &self,
        _group_id: &str,
        _text: &str,
        _callback_data: Option<&str>,
    ) -> Result<SendReceipt, SendFailure> {
        Err(no_groups())
    }
    /// Every template of the WhatsApp Business Account as Meta lists it, each as the update it
    /// makes to the stored one (`at` is set by the caller). `Ok(None)` when no WABA id is
    /// configured. Default: `Ok(None)`.
    async fn list_templates(&self) -> Result<Option<Vec<TemplateUpdate>>, SendFailure> {
        Ok(None)
    }
    /// Whether marketing templates ([`OutboundRequest::marketing`]) go through Meta's Marketing
    /// Messages API (the number's `marketing_messages` setting). Default: ignored.
    fn set_marketing_messages(&self, _on: bool) {}
    /// The WhatsApp Business Account this messenger's templates belong to, if known.
    fn waba_id(&self) -> Option<String> {
        None
    }
    /// Uploads a media header's sample through Meta's Resumable Upload API (`POST
    /// /{app_id}/uploads`, then the bytes to the session) and answers the file handle (`h`).
    /// Default: refused locally.
    async fn upload_template_sample(&self, _sample: &HeaderSample) -> Result<String, SendFailure> {
        Err(no_graph("uploading a template's header sample"))
    }
    /// Submits a template for review (`POST /{waba_id}/message_templates`). A write: never
    /// replayed. Default: refused locally.
    async fn create_template(
        &self,
        _draft: &TemplateDraft,
    ) -> Result<CreatedTemplate, SendFailure> {
        Err(no_graph("creating a template"))
    }
    /// Deletes a template (`DELETE /{waba_id}/message_templates?name=…`, every language, or only
    /// `hsm_id`). Default: refused locally.
    async fn delete_template(&self, _name: &str, _hsm_id: Option<&str>) -> Result<(), SendFailure> {
        Err(no_graph("deleting a template"))
    }
}

fn no_groups() -> SendFailure {
    SendFailure::Invalid("groups are not available without a Graph API connection".into())
}
