//! Templates managed from wacloud (Cloud API "Message templates"): synced from Meta's list
//! (`GET /{waba_id}/message_templates`, every page) beside what the template webhooks report,
//! created (checked against Meta's rules first, a media header's sample uploaded through the
//! Resumable Upload API) and deleted.

use crate::error::CoreError;
use crate::events::TemplateUpdate;
use crate::outbound::{OutboundContent, SendFailure};
use crate::ports::{read, write, Clock, Messenger, Repos, Store, StoreError};
use crate::template::StoredTemplate;
use crate::template_draft::{HeaderSample, TemplateDraft};

fn sent(failure: SendFailure) -> CoreError {
    CoreError::Send {
        failure: Box::new(failure),
        message_id: None,
    }
}

/// Reads every template of each WhatsApp Business Account the `messengers` send for (one read
/// per WABA: numbers of one account share its templates) and stores each (matched by Meta's
/// template id, else by name and language), replacing its status, category, quality and
/// components. Templates stored earlier and missing from Meta's list stay as they were. Answers
/// how many were stored.
///
/// # Errors
/// - [`CoreError::Unprocessable`] (`business_account_not_configured`) when no messenger has a
///   WABA id;
/// - [`CoreError::Send`] when Meta refused or could not be reached (the first failure; the
///   accounts read before it are stored);
/// - [`CoreError::Store`] when the database failed.
pub async fn sync(
    store: &dyn Store,
    messengers: &[&dyn Messenger],
    clock: &dyn Clock,
) -> Result<usize, CoreError> {
    let mut seen: Vec<Option<String>> = Vec::new();
    let mut listed = Vec::new();
    let mut any = false;
    let mut failure = None;
    for m in messengers {
        let waba = m.waba_id();
        if seen.contains(&waba) {
            continue;
        }
        seen.push(waba);
        match m.list_templates().await {
            Ok(Some(l)) => {
                any = true;
                listed.extend(l);
            }
            Ok(None) => {}
            Err(f) => {
                failure.get_or_insert(f);
            }
        }
    }
    let now = clock.now();
    let n = listed.len();
    if n > 0 {
        write(store, move |r| {
            for mut t in listed {
                t.at = now;
                r.upsert_template(&t)?;
            }
            Ok(())
        })
        .await?;
    }
    if let Some(f) = failure {
        return Err(sent(f));
    }
    if !any {
        return Err(CoreError::Unprocessable {
            code: "business_account_not_configured",
            message:
                "set WHATSAPP_BUSINESS_ACCOUNT_ID (the WABA id), or a number's waba_id, to read the templates from Meta"
                    .into(),
        });
    }
    Ok(n)
}

/// Creates a template: checks `draft` against Meta's rules
/// ([`TemplateDraft::check`]), uploads `header` (a media header's sample) through the Resumable
/// Upload API and puts its handle in `example.header_handle`, submits the template, and stores
/// it with the status Meta answered (`PENDING` until the review's webhook). Answers the stored
/// row.
///
/// # Errors
/// - [`CoreError::Invalid`] when the draft breaks a rule (Meta is not called; the route checks
///   first and names the exact field), a file comes for a template without a media header
///   (`unexpected_file`) or of a type its header does not take (`invalid_file_type`);
/// - [`CoreError::Unprocessable`] `business_account_not_configured` when the number has no
///   WABA id (Meta is not called);
/// - [`CoreError::Send`] when Meta refused the upload or the template, or was not reached;
/// - [`CoreError::Store`].
pub async fn create(
    store: &dyn Store,
    messenger: &dyn Messenger,
    clock: &dyn Clock,
    mut draft: TemplateDraft,
    header: Option<HeaderSample>,
) -> Result<StoredTemplate, CoreError> {
    draft
        .check(header.is_some())
        .map_err(|p| CoreError::Invalid {
            code: p.code,
            message: p.to_string(),
            field: Some("components"),
        })?;
    needs_waba(messenger)?;
    if let Some(sample) = &header {
        let Some((_, format)) = draft.media_header() else {
            return Err(CoreError::invalid(
                "unexpected_file",
                "header_file",
                "a file was sent but the template has no IMAGE, VIDEO or DOCUMENT header",
            ));
        };
        if !sample.fits(&format) {
            return Err(CoreError::invalid(
                "invalid_file_type",
                "header_file",
                format!(
                    "the file is {} by its content, which a {format} header does not take (IMAGE: JPEG or PNG; VIDEO: MP4; DOCUMENT: PDF)",
                    sample.mime_type
                ),
            ));
        }
        let handle = messenger
            .upload_template_sample(sample)
            .await
            .map_err(sent)?;
        draft.set_header_handle(handle);
    }
    let created = messenger.create_template(&draft).await.map_err(sent)?;
    let update = TemplateUpdate {
        template_id: Some(created.template_id),
        name: Some(draft.name.clone()),
        language: Some(draft.language.clone()),
        status: Some(created.status.unwrap_or_else(|| "PENDING".into())),
        quality_score: None,
        category: Some(created.category.unwrap_or_else(|| draft.category_upper())),
        reason: None,
        components: serde_json::to_string(&draft.components).ok(),
        at: clock.now(),
    };
    let (name, language) = (draft.name, draft.language);
    write(store, move |r| r.upsert_template(&update)).await?;
    read(store, move |r| {
        Ok(r.list_templates()?
            .into_iter()
            .find(|t| t.name == name && t.language == language))
    })
    .await?
    .ok_or_else(|| CoreError::NotFound("the template created is not stored".into()))
}

/// Deletes the template `name` at Meta (every language, or only Meta's id `hsm_id`) and then
/// the stored rows. Answers how many stored rows went.
///
/// # Errors
/// [`CoreError::Invalid`] for an empty name; [`CoreError::Unprocessable`]
/// `business_account_not_configured` for a number without a WABA id; [`CoreError::Send`] when
/// Meta refused (e.g. no such template) or was not reached; [`CoreError::Store`].
pub async fn delete(
    store: &dyn Store,
    messenger: &dyn Messenger,
    name: String,
    hsm_id: Option<String>,
) -> Result<usize, CoreError> {
    if name.trim().is_empty() {
        return Err(CoreError::invalid(
            "invalid_template_name",
            "name",
            "the template name is empty",
        ));
    }
    needs_waba(messenger)?;
    messenger
        .delete_template(&name, hsm_id.as_deref())
        .await
        .map_err(sent)?;
    Ok(write(store, move |r| r.delete_templates(&name, hsm_id.as_deref())).await?)
}

/// Templates belong to a WhatsApp Business Account (`/{waba_id}/message_templates`): a number
/// without a WABA id cannot write them, and Meta is not called (no header sample uploaded).
fn needs_waba(messenger: &dyn Messenger) -> Result<(), CoreError> {
    if messenger.waba_id().is_some() {
        return Ok(());
    }
    let number = messenger.phone_number_id().unwrap_or_default();
    Err(CoreError::Unprocessable {
        code: "business_account_not_configured",
        message: format!(
            "number {number} has no WABA id, and templates belong to a WhatsApp Business Account: set it with PUT /api/whatsapp/numbers/{number} {{\"waba_id\": \"…\"}} (the environment's number: WHATSAPP_BUSINESS_ACCOUNT_ID)"
        ),
    })
}

/// Whether `content` is a template stored with the category `MARKETING` (such a send may go
/// through Meta's Marketing Messages API where the number is onboarded to it).
///
/// # Errors
/// [`StoreError`] from the read.
pub fn is_marketing(r: &mut dyn Repos, content: &OutboundContent) -> Result<bool, StoreError> {
    let OutboundContent::Template { name, language, .. } = content else {
        return Ok(false);
    };
    Ok(r.find_template(name, language)?
        .and_then(|t| t.category)
        .is_some_and(|c| c.eq_ignore_ascii_case("MARKETING")))
}
