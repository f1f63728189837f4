//! The core's `Messenger` port over `wacloud-graph`: [`GraphMessenger`] sends through the Graph
//! client, paced by the graph crate's [`Pacer`], retried on the graph crate's [`RetryPolicy`]
//! schedule, classified by its error classifier, and checked against stored templates with its
//! template checks. [`NotConfigured`] stands in, refusing every send, in live mode without a
//! phone number id.

use std::time::Duration;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use wacloud_core::events::TemplateUpdate;
use wacloud_core::group::NewGroup;
use wacloud_core::message::DeliveryError;
use wacloud_core::outbound::{
    FailureClass, InteractiveAction, InteractiveContent, MediaKind, MediaSource, OutboundContent,
    OutboundRequest, SendFailure, SendReceipt, TemplateButtonKind,
};
use wacloud_core::ports::Messenger;
use wacloud_core::routing::{PassTarget, ThreadAction};
use wacloud_core::template_draft::{CreatedTemplate, HeaderSample, TemplateDraft};
use wacloud_core::CustomerKey;
use wacloud_graph::groups::JoinApprovalMode;
use wacloud_graph::messages::{
    Component, ContactCard, ContactEmail, ContactName, ContactOrg, ContactPhone, ContactUrl,
    Header, Interactive, ListRow, ListSection, Location, MediaMessage, MediaRef, OutboundMessage,
    Parameter, Recipient, ReplyButton, Template, ValidationError,
};
use wacloud_graph::templates::{NewTemplate, TemplateCategory};
use wacloud_graph::thread_control::ThreadControl;
use wacloud_graph::{ErrorClass, GraphClient, GraphError, MessageTemplate, Pacer, RetryPolicy};

/// Sends through a [`GraphClient`] (to Meta, or to the sandbox).
#[derive(Debug, Clone)]
pub struct GraphMessenger {
    client: GraphClient,
    business_phone: Option<String>,
    token: SecretString,
    pacer: Pacer,
    retry: RetryPolicy,
    /// The Meta app's id, for the Resumable Upload API (template header samples).
    app_id: Option<String>,
    /// The number's `marketing_messages` setting: marketing templates go through
    /// `/marketing_messages`.
    marketing: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl GraphMessenger {
    /// A messenger over `client`; `business_phone` is the E.164 number messages go out from;
    /// `token` is the client's access token, scrubbed from any error text Meta or a proxy echoes.
    /// Sends are paced by `pacer`; refused sends are retried by the queue on `retry`'s schedule
    /// and attempt limit.
    #[must_use]
    pub fn new(
        client: GraphClient,
        business_phone: Option<String>,
        token: SecretString,
        pacer: Pacer,
        retry: RetryPolicy,
    ) -> Self {
        Self {
            client,
            business_phone,
            token,
            pacer,
            retry,
            app_id: None,
            marketing: std::sync::Arc::default(),
        }
    }

    /// Uses `app_id` (`WHATSAPP_APP_ID`) for the Resumable Upload API.
    #[must_use]
    pub fn with_app_id(mut self, app_id: Option<String>) -> Self {
        self.app_id = app_id;
        self
    }

    /// The pacer in use.
    #[must_use]
    pub fn pacer(&self) -> &Pacer {
        &self.pacer
    }

    fn scrubbed(&self, f: SendFailure) -> SendFailure {
        let scrub = |s: &mut Option<String>| {
            if let Some(t) = s.as_mut() {
                *t = scrub_secret(t, self.token.expose_secret());
            }
        };
        match f {
            SendFailure::Rejected {
                http_status,
                mut error,
                class,
                retry_after_secs,
            } => {
                scrub(&mut error.title);
                scrub(&mut error.message);
                scrub(&mut error.details);
                SendFailure::Rejected {
                    http_status,
                    error,
                    class,
                    retry_after_secs,
                }
            }
            SendFailure::Invalid(m) => {
                SendFailure::Invalid(scrub_secret(&m, self.token.expose_secret()))
            }
            SendFailure::OutcomeUnknown(m) => {
                SendFailure::OutcomeUnknown(scrub_secret(&m, self.token.expose_secret()))
            }
            SendFailure::Unreachable(m) => {
                SendFailure::Unreachable(scrub_secret(&m, self.token.expose_secret()))
            }
        }
    }
}

/// Removes the access token, and any `Bearer …` credential, from text that came from Meta or
/// from a proxy in between, before it is stored, logged or answered.
#[must_use]
pub fn scrub_secret(text: &str, token: &str) -> String {
    let mut out = if token.len() >= 8 {
        text.replace(token, "[redacted]")
    } else {
        text.to_owned()
    };
    let mut from = 0;
    while let Some(i) = out[from..]
        .to_ascii_lowercase()
        .find("bearer ")
        .map(|i| i + from)
    {
        let start = i + "bearer ".len();
        let end = out[start..]
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '<')
            .map_or(out.len(), |e| start + e);
        if end > start && &out[start..end] != "[redacted]" {
            out.replace_range(start..end, "[redacted]");
        }
        from = start + "[redacted]".len().min(out.len() - start);
    }
    out
}

/// The recipient as the pacer keys it.
fn pace_key(key: &CustomerKey) -> &str {
    match key {
        CustomerKey::Phone(p) => p.digits(),
        CustomerKey::UserId(u) => u.as_str(),
    }
}

/// A stored template's components as Meta's component array: either Meta's own array (from the
/// template API) or what `message_template_components_update` webhooks carry
/// (`{"title","body","footer","buttons"}`).
fn components_array(stored: &str) -> Option<Vec<Value>> {
    let v: Value = serde_json::from_str(stored).ok()?;
    match v {
        Value::Array(a) => Some(a),
        Value::Object(m) => {
            let mut out = Vec::new();
            if let Some(t) = m.get("title").and_then(Value::as_str) {
                out.push(json!({"type": "HEADER", "format": "TEXT", "text": t}));
            }
            if let Some(b) = m.get("body").and_then(Value::as_str) {
                out.push(json!({"type": "BODY", "text": b}));
            }
            Some(out)
        }
        _ => None,
    }
}

fn recipient(key: &CustomerKey) -> Recipient {
    match key {
        CustomerKey::Phone(p) => Recipient::PhoneNumber(p.digits().to_owned()),
        CustomerKey::UserId(u) => Recipient::UserId(u.clone()),
    }
}

/// Builds the Graph request for a core request.
///
/// # Errors
/// [`SendFailure::Invalid`] naming the limit the content breaks.
pub fn to_graph(req: &OutboundRequest) -> Result<OutboundMessage, SendFailure> {
    let to = recipient(&req.to);
    let invalid = |e: wacloud_graph::ValidationError| SendFailure::Invalid(e.to_string());
    let mut msg = match &req.content {
        OutboundContent::Text { body, preview_url } => OutboundMessage::text(to, body.clone())
            .map_err(invalid)?
            .preview_url(*preview_url),
        OutboundContent::Template { .. } => {
            let t = graph_template(&req.content).map_err(invalid)?;
            OutboundMessage::template(to, t).map_err(invalid)?
        }
        OutboundContent::Media {
            kind,
            source,
            caption,
            filename,
        } => {
            let media = media_ref(source);
            let mut m = match kind {
                MediaKind::Image => MediaMessage::image(media),
                MediaKind::Video => MediaMessage::video(media),
                MediaKind::Audio => MediaMessage::audio(media),
                MediaKind::Document => MediaMessage::document(media),
                MediaKind::Sticker => MediaMessage::sticker(media),
            }
            .map_err(invalid)?;
            if let Some(c) = caption {
                m = m.caption(c.clone()).map_err(invalid)?;
            }
            if let Some(f) = filename {
                m = m.filename(f.clone()).map_err(invalid)?;
            }
            OutboundMessage::media(to, m).map_err(invalid)?
        }
        OutboundContent::Reaction { message_id, emoji } if emoji.is_empty() => {
            OutboundMessage::remove_reaction(to, message_id.clone()).map_err(invalid)?
        }
        OutboundContent::Reaction { message_id, emoji } => {
            OutboundMessage::reaction(to, message_id.clone(), emoji.clone()).map_err(invalid)?
        }
        OutboundContent::Location {
            latitude,
            longitude,
            name,
            address,
        } => {
            let mut l = Location::new(*latitude, *longitude).map_err(invalid)?;
            if let Some(n) = name {
                l = l.name(n.clone());
            }
            if let Some(a) = address {
                l = l.address(a.clone());
            }
            OutboundMessage::location(to, l).map_err(invalid)?
        }
        OutboundContent::Interactive(i) => {
            OutboundMessage::interactive(to, interactive(i).map_err(invalid)?).map_err(invalid)?
        }
        OutboundContent::Contacts { cards } => {
            OutboundMessage::contacts(to, cards.iter().map(contact_card).collect())
                .map_err(invalid)?
        }
    };
    if let Some(r) = &req.reply_to {
        msg = msg.reply_to(r.clone());
    }
    if let Some(d) = &req.callback_data {
        msg = msg.biz_opaque_callback_data(d.clone());
    }
    Ok(msg)
}

/// The Graph interactive message for the core's.
fn interactive(i: &InteractiveContent) -> Result<Interactive, wacloud_graph::ValidationError> {
    let mut built = match &i.action {
        InteractiveAction::Buttons { buttons } => Interactive::reply_buttons(
            i.body.clone(),
            buttons
                .iter()
                .map(|b| ReplyButton::new(b.id.clone(), b.title.clone()))
                .collect::<Result<_, _>>()?,
        )?,
        InteractiveAction::List { button, sections } => {
            let mut out = Vec::with_capacity(sections.len());
            for s in sections {
                let mut rows = Vec::with_capacity(s.rows.len());
                for r in &s.rows {
                    let mut row = ListRow::new(r.id.clone(), r.title.clone())?;
                    if let Some(d) = &r.description {
                        row = row.description(d.clone())?;
                    }
                    rows.push(row);
                }
                out.push(match &s.title {
                    Some(t) => ListSection::new(t.clone(), rows),
                    None => ListSection::untitled(rows),
                });
            }
            Interactive::list(i.body.clone(), button.clone(), out)?
        }
        InteractiveAction::CtaUrl { display_text, url } => {
            Interactive::cta_url(i.body.clone(), display_text.clone(), url.clone())?
        }
        InteractiveAction::CallPermissionRequest => {
            Interactive::call_permission_request(i.body.clone())?
        }
    };
    if let Some(h) = &i.header {
        built = built.header(Header::Text(h.clone()))?;
    }
    if let Some(f) = &i.footer {
        built = built.footer(f.clone())?;
    }
    Ok(built)
}

fn class(c: ErrorClass) -> FailureClass {
    match c {
        ErrorClass::Authentication => FailureClass::Authentication,
        ErrorClass::Permission => FailureClass::Permission,
        ErrorClass::RateLimited => FailureClass::RateLimited,
        ErrorClass::PairRateLimited => FailureClass::PairRateLimited,
        ErrorClass::WindowClosed => FailureClass::WindowClosed,
        ErrorClass::Undeliverable => FailureClass::Undeliverable,
        ErrorClass::TemplateProblem => FailureClass::TemplateProblem,
        ErrorClass::InvalidRequest => FailureClass::InvalidRequest,
        ErrorClass::Transient => FailureClass::Transient,
        _ => FailureClass::Unknown,
    }
}

/// Maps a Graph error to the core's view of a failed send.
#[must_use]
pub fn failure(e: &GraphError) -> SendFailure {
    if let Some(api) = e.api() {
        return SendFailure::Rejected {
            http_status: api.http_status,
            error: DeliveryError {
                code: Some(api.code),
                title: api
                    .error_user_title
                    .clone()
                    .or_else(|| api.error_type.clone()),
                message: Some(api.message.clone()),
                details: api.details.clone().or_else(|| api.error_user_msg.clone()),
            },
            class: class(api.class()),
            retry_after_secs: api.retry_after.map(|d| d.as_secs()),
        };
    }
    if e.is_outcome_unknown() {
        return SendFailure::OutcomeUnknown(e.to_string());
    }
    match e {
        GraphError::Validation(v) => SendFailure::Invalid(v.to_string()),
        GraphError::Config(c) => SendFailure::Invalid(format!("Graph client configuration: {c}")),
        other => SendFailure::Unreachable(other.to_string()),
    }
}

#[async_trait]
impl Messenger for GraphMessenger {
    async fn pace(&self, to: &CustomerKey) {
        let started = std::time::Instant::now();
        self.pacer.until_ready(pace_key(to)).await;
        crate::metrics::pacer_waited(started.elapsed());
    }

    fn reserve_recipient(&self, to: &CustomerKey) -> Result<(), Duration> {
        self.pacer.try_recipient(pace_key(to))
    }

    async fn until_number_ready(&self) {
        let started = std::time::Instant::now();
        self.pacer.until_number_ready().await;
        crate::metrics::pacer_waited(started.elapsed());
    }

    async fn pace_group(&self, group_id: &str) {
        let started = std::time::Instant::now();
        self.pacer.until_ready(group_id).await;
        crate::metrics::pacer_waited(started.elapsed());
    }

    fn back_off(&self, to: &CustomerKey, class: FailureClass, wait: Duration) {
        match class {
            FailureClass::RateLimited => {
                self.pacer.pause(wait);
                self.pacer.slow_down();
            }
            FailureClass::PairRateLimited => self.pacer.pause_recipient(pace_key(to), wait),
            _ => {}
        }
    }

    fn retry_delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let d = self.retry.backoff(retry);
        retry_after.map_or(d, |r| r.max(d))
    }

    fn max_attempts(&self) -> u32 {
        self.retry.max_attempts()
    }

    async fn probe(&self) -> Result<(), SendFailure> {
        self.client
            .phone_number_details()
            .await
            .map(drop)
            .map_err(|e| self.scrubbed(failure(&e)))
    }

    fn check_template(&self, content: &OutboundContent, components: &str) -> Result<(), String> {
        let OutboundContent::Template { name, language, .. } = content else {
            return Ok(());
        };
        let Some(components) = components_array(components) else {
            return Ok(());
        };
        let stored: MessageTemplate = match serde_json::from_value(json!({
            "name": name,
            "language": language,
            "components": components,
        })) {
            Ok(t) => t,
            Err(_) => return Ok(()),
        };
        let t = graph_template(content).map_err(|e| e.to_string())?;
        stored.check_message(&t).map_err(|e| e.to_string())
    }

    fn waba_id(&self) -> Option<String> {
        self.client.waba_id().map(str::to_owned)
    }

    async fn upload_template_sample(&self, sample: &HeaderSample) -> Result<String, SendFailure> {
        let Some(app_id) = &self.app_id else {
            return Err(SendFailure::Invalid(
                "set WHATSAPP_APP_ID (the Meta app's id) to upload a template's header sample"
                    .into(),
            ));
        };
        self.client
            .resumable_upload(
                app_id,
                &sample.file_name,
                &sample.mime_type,
                actix_web::web::Bytes::from(sample.bytes.clone()),
            )
            .await
            .map(|h| h.h)
            .map_err(|e| self.scrubbed(failure(&e)))
    }

    async fn create_template(&self, draft: &TemplateDraft) -> Result<CreatedTemplate, SendFailure> {
        let invalid = |e: wacloud_graph::ValidationError| SendFailure::Invalid(e.to_string());
        let category = match draft.category_upper().as_str() {
            "MARKETING" => TemplateCategory::Marketing,
            "AUTHENTICATION" => TemplateCategory::Authentication,
            _ => TemplateCategory::Utility,
        };
        let mut t = NewTemplate::new(draft.name.clone(), draft.language.clone(), category)
            .map_err(invalid)?;
        for c in &draft.components {
            let v = serde_json::to_value(c).map_err(|e| SendFailure::Invalid(e.to_string()))?;
            t = t.component(v);
        }
        if let Some(f) = &draft.parameter_format {
            t = t.parameter_format(f.to_ascii_lowercase());
        }
        if let Some(a) = draft.allow_category_change {
            t = t.allow_category_change(a);
        }
        let created = self
            .client
            .create_template(&t)
            .await
            .map_err(|e| self.scrubbed(failure(&e)))?;
        Ok(CreatedTemplate {
            template_id: created.id,
            status: created.status,
            category: created.category,
        })
    }

    async fn delete_template(&self, name: &str, hsm_id: Option<&str>) -> Result<(), SendFailure> {
        self.client
            .delete_template(name, hsm_id)
            .await
            .map_err(|e| self.scrubbed(failure(&e)))
    }

    async fn list_templates(&self) -> Result<Option<Vec<TemplateUpdate>>, SendFailure> {
        if self.client.waba_id().is_none() {
            return Ok(None);
        }
        let listed = self
            .client
            .list_templates()
            .await
            .map_err(|e| self.scrubbed(failure(&e)))?;
        Ok(Some(listed.into_iter().map(template_update).collect()))
    }

    fn set_marketing_messages(&self, on: bool) {
        self.marketing
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }

    async fn send(&self, request: &OutboundRequest) -> Result<SendReceipt, SendFailure> {
        let msg = to_graph(request)?;
        let marketing =
            request.marketing && self.marketing.load(std::sync::atomic::Ordering::Relaxed);
        let sent = if marketing {
            // Meta's Marketing Messages API; its refusals (131049, 131050, 134100–134103 when
            // the business is not onboarded) are classified by the graph crate like any send's.
            self.client
                .send_marketing_message(&msg, &wacloud_graph::marketing::MarketingOptions::new())
                .await
        } else {
            self.client.send_message(&msg).await
        };
        let resp = sent.map_err(|e| {
            let mut f = self.scrubbed(failure(&e));
            if marketing {
                f = marketing_refusal(f);
            }
            match &f {
                SendFailure::Rejected { error, .. } => {
                    crate::metrics::send_result("refused", error.code);
                }
                SendFailure::OutcomeUnknown(_) => crate::metrics::send_result("unknown", None),
                SendFailure::Unreachable(_) => crate::metrics::send_result("unreachable", None),
                SendFailure::Invalid(_) => crate::metrics::send_result("invalid", None),
            }
            f
        })?;
        crate::metrics::send_result("accepted", None);
        let wamid = resp.wamid().map(str::to_owned).ok_or_else(|| {
            SendFailure::OutcomeUnknown("Meta's answer carried no message id".into())
        })?;
        Ok(SendReceipt {
            wamid,
            wa_id: resp.wa_id().map(str::to_owned),
        })
    }

    async fn mark_read(&self, wamid: &str) -> Result<(), SendFailure> {
        self.client
            .mark_read(wamid)
            .await
            .map_err(|e| self.scrubbed(failure(&e)))
    }

    async fn mark_read_typing(&self, wamid: &str) -> Result<(), SendFailure> {
        self.client
            .mark_read_with_typing(wamid)
            .await
            .map_err(|e| self.scrubbed(failure(&e)))
    }

    fn business_phone(&self) -> Option<String> {
        self.business_phone.clone()
    }

    fn phone_number_id(&self) -> Option<String> {
        Some(self.client.phone_number_id().to_owned())
    }

    async fn create_group(&self, group: &NewGroup) -> Result<Option<String>, SendFailure> {
        let invalid = |e: ValidationError| SendFailure::Invalid(e.to_string());
        let mut request =
            wacloud_graph::groups::NewGroup::new(group.subject.trim()).map_err(invalid)?;
        if let Some(d) = &group.description {
            request = request.description(d.clone()).map_err(invalid)?;
        }
        match group.join_approval_mode.as_deref() {
            Some("approval_required") => {
                request = request.join_approval_mode(JoinApprovalMode::ApprovalRequired);
            }
            Some("auto_approve") => {
                request = request.join_approval_mode(JoinApprovalMode::AutoApprove);
            }
            _ => {}
        }
        self.client
            .create_group(&request)
            .await
            .map(|c| c.request_id)
            .map_err(|e| self.scrubbed(failure(&e)))
    }

    async fn group_invite_link(&self, group_id: &str, reset: bool) -> Result<String, SendFailure> {
        let link = if reset {
            self.client.create_group_invite_link(group_id).await
        } else {
            self.client.group_invite_link(group_id).await
        };
        link.map(|l| l.invite_link)
            .map_err(|e| self.scrubbed(failure(&e)))
    }

    async fn remove_group_participants(
        &self,
        group_id: &str,
        participants: &[String],
    ) -> Result<(), SendFailure> {
        let users: Vec<&str> = participants.iter().map(String::as_str).collect();
        self.client
            .remove_group_participants(group_id, &users)
            .await
            .map_err(|e| self.scrubbed(failure(&e)))
    }

    async fn send_group_text(
        &self,
        group_id: &str,
        text: &str,
        callback_data: Option<&str>,
    ) -> Result<SendReceipt, SendFailure> {
        let invalid = |e: ValidationError| SendFailure::Invalid(e.to_string());
        let mut msg =
            OutboundMessage::text(Recipient::Group(group_id.to_owned()), text).map_err(invalid)?;
        if let Some(d) = callback_data {
            msg = msg.biz_opaque_callback_data(d);
        }
        let resp = self
            .client
            .send_message(&msg)
            .await
            .map_err(|e| self.scrubbed(failure(&e)))?;
        let wamid = resp.wamid().map(str::to_owned).ok_or_else(|| {
            SendFailure::OutcomeUnknown("Meta's answer carried no message id".into())
        })?;
        Ok(SendReceipt { wamid, wa_id: None })
    }

    async fn thread_control(
        &self,
        to: &CustomerKey,
        action: ThreadAction,
        target: Option<&PassTarget>,
        metadata: Option<&str>,
    ) -> Result<(), SendFailure> {
        let invalid =
            |e: wacloud_graph::messages::ValidationError| SendFailure::Invalid(e.to_string());
        let who = recipient(to);
        let mut request = match action {
            ThreadAction::Take => ThreadControl::take(who),
            ThreadAction::Release => ThreadControl::release(who),
            ThreadAction::Pass => ThreadControl::pass(who),
        }
        .map_err(invalid)?;
        if matches!(target, Some(PassTarget::AiAgent)) {
            request = request.to_ai_agent().map_err(invalid)?;
        }
        if let Some(m) = metadata {
            request = request.metadata(m).map_err(invalid)?;
        }
        self.client
            .thread_control(&request)
            .await
            .map(drop)
            .map_err(|e| self.scrubbed(failure(&e)))
    }
}

/// A refusal of the Marketing Messages API, said in its terms: 134100–134103 mean the business
/// (or this number's WABA) is not onboarded to it, which the number's `marketing_messages`
/// setting claimed; 131049 and 131050 are Meta holding a marketing message back (per user
/// engagement, or the user stopped marketing messages). The class stays the graph crate's.
fn marketing_refusal(f: SendFailure) -> SendFailure {
    let SendFailure::Rejected {
        http_status,
        mut error,
        class,
        retry_after_secs,
    } = f
    else {
        return f;
    };
    let hint = match error.code {
        Some(134_100..=134_103) => Some("not onboarded to Meta's Marketing Messages API: onboard the business portfolio, or set marketing_messages to false for this number (PUT /api/whatsapp/numbers/{phone_number_id}) to send through /messages"),
        Some(131_049) => Some("Meta held this marketing message back to keep the customer's engagement healthy; do not resend at once"),
        Some(131_050) => Some("the customer stopped marketing messages from this business"),
        _ => None,
    };
    if let Some(h) = hint {
        error.details = Some(match error.details.take() {
            Some(d) => format!("{d} ({h})"),
            None => h.to_owned(),
        });
    }
    SendFailure::Rejected {
        http_status,
        error,
        class,
        retry_after_secs,
    }
}

/// The messenger for live mode without a phone number id: every send is refused clearly
/// (`SendFailure::Invalid`, answered 400), and read receipts are skipped.
#[derive(Debug)]
pub struct NotConfigured;

#[async_trait]
impl Messenger for NotConfigured {
    async fn send(&self, _: &OutboundRequest) -> Result<SendReceipt, SendFailure> {
        Err(SendFailure::Invalid(
            "WHATSAPP_PHONE_NUMBER_ID is not set; wacloud cannot send".into(),
        ))
    }
    async fn mark_read(&self, _: &str) -> Result<(), SendFailure> {
        Ok(())
    }
    fn business_phone(&self) -> Option<String> {
        None
    }
}

/// A template as Meta lists it, as the update it makes to the stored one: status, category,
/// quality (`quality_score.score`), the rejection reason (not `NONE`) and the components as
/// Meta's JSON array.
fn template_update(t: MessageTemplate) -> TemplateUpdate {
    let quality = t
        .extra
        .get("quality_score")
        .and_then(|q| q.get("score").or(Some(q)))
        .and_then(Value::as_str)
        .map(str::to_owned);
    TemplateUpdate {
        template_id: t.id,
        name: Some(t.name),
        language: t.language,
        status: t.status,
        quality_score: quality,
        category: t.category,
        reason: t.rejected_reason.filter(|r| r != "NONE"),
        components: serde_json::to_string(&t.components).ok(),
        at: chrono::Utc::now(),
    }
}

/// The Graph template for a template content: body parameters, the header's value or media,
/// and the buttons' values.
///
/// # Errors
/// The client's check that fails (an empty value, a coupon code over 15 characters, …).
fn graph_template(content: &OutboundContent) -> Result<Template, wacloud_graph::ValidationError> {
    let OutboundContent::Template {
        name,
        language,
        body_parameters,
        header_text,
        header_media,
        buttons,
    } = content
    else {
        return Err(wacloud_graph::ValidationError::new(
            "type",
            "not a template message",
        ));
    };
    let mut t = Template::new(name.clone(), language.clone());
    if !body_parameters.is_empty() {
        t = t.body_parameters(body_parameters)?;
    }
    if let Some(text) = header_text {
        t = t.header_parameters([text])?;
    }
    if let Some(m) = header_media {
        let media = media_ref(&m.media);
        let p = match m.kind {
            MediaKind::Video => Parameter::Video(media),
            MediaKind::Document => Parameter::Document {
                media,
                filename: m.filename.clone(),
            },
            _ => Parameter::Image(media),
        };
        t = t.header_media(p)?;
    }
    for b in buttons {
        let c = match b.kind {
            TemplateButtonKind::Url => Component::url_button(b.index, b.value.clone()),
            TemplateButtonKind::QuickReply => {
                Component::quick_reply_button(b.index, b.value.clone())
            }
            TemplateButtonKind::CopyCode => Component::copy_code_button(b.index, b.value.clone()),
        }?;
        t = t.button(c)?;
    }
    Ok(t)
}

/// A media id or link as the Graph client takes it.
fn media_ref(source: &MediaSource) -> MediaRef {
    match source {
        MediaSource::Id(id) => MediaRef::Id(id.clone()),
        MediaSource::Link(link) => MediaRef::Link(link.clone()),
    }
}

/// A contact card as the Graph client builds it.
fn contact_card(c: &wacloud_core::outbound::ContactCardContent) -> ContactCard {
    let mut name = ContactName::new(c.name.clone());
    if let Some(f) = &c.first_name {
        name = name.first_name(f.clone());
    }
    if let Some(l) = &c.last_name {
        name = name.last_name(l.clone());
    }
    let mut card = ContactCard::new(name);
    for p in &c.phones {
        let mut phone = ContactPhone::new(p.phone.clone());
        if let Some(w) = &p.wa_id {
            phone = phone.wa_id(w.clone());
        }
        card = card.phone(phone);
    }
    for e in &c.emails {
        card = card.email(ContactEmail::new(e.clone(), None));
    }
    for u in &c.urls {
        card = card.url(ContactUrl::new(u.clone(), None));
    }
    if let Some(company) = &c.company {
        card = card.org(ContactOrg::new().company(company.clone()));
    }
    card
}

#[cfg(test)]
mod tests {
    use super::scrub_secret;

    #[test]
    fn echoed_credentials_are_scrubbed() {
        let t = "EAAG-secret-token-123";
        let s = scrub_secret(
            "<html>Authorization: Bearer EAAG-secret-token-123 rejected; token EAAG-secret-token-123</html>",
            t,
        );
        assert!(!s.contains(t), "{s}");
        assert!(s.contains("Bearer [redacted]"), "{s}");
        assert_eq!(scrub_secret("bearer abc def", "x"), "bearer [redacted] def");
        assert_eq!(scrub_secret("no secrets here", t), "no secrets here");
    }
}
