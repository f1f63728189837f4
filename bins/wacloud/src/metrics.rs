//! Prometheus metrics: what the server records (through the `metrics` facade) and `GET /metrics`,
//! which renders them in Prometheus' text format (`metrics-exporter-prometheus`).
//!
//! Names follow Prometheus' conventions (`_total` counters, `_seconds` durations). Labels take
//! only small, fixed sets of values (outcomes, event kinds, route patterns, Meta's error
//! codes), never ids or numbers, so the series stay few. docs/DEPLOYMENT.md lists them with
//! alert rules.

use std::sync::OnceLock;
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::state::AppState;

/// Buckets for request and wait durations, in seconds: 1 ms to 30 s.
const SECONDS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Buckets for counts (deliveries in a batch).
const COUNTS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];

/// The process' recorder, installed on first use. A process holds one recorder; when another
/// was installed first (a program embedding wacloud), `GET /metrics` renders an empty page and
/// the metrics go to that recorder.
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets(SECONDS)
            .and_then(|b| {
                b.set_buckets_for_metric(
                    metrics_exporter_prometheus::Matcher::Suffix("_deliveries".into()),
                    COUNTS,
                )
            })
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed; GET /metrics shows nothing");
        }
        describe();
        handle
    })
}

/// Installs the recorder (so that metrics recorded before the first scrape are kept).
pub fn install() {
    handle();
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        "wacloud_webhook_deliveries_total",
        "Webhook deliveries by outcome: processed, duplicate, failed, foreign, received (stored, effects deferred), invalid_signature, payload_too_large, request_timeout, unavailable"
    );
    describe_counter!(
        "wacloud_webhook_events_total",
        "Events in webhook deliveries that were recorded, by kind"
    );
    describe_histogram!(
        "wacloud_webhook_ack_seconds",
        Unit::Seconds,
        "From a delivery's arrival to its answer (it is durable when answered 200)"
    );
    describe_histogram!(
        "wacloud_ingest_batch_deliveries",
        Unit::Count,
        "Deliveries committed together in one ingest transaction"
    );
    describe_histogram!(
        "wacloud_ingest_lag_seconds",
        Unit::Seconds,
        "From a delivery's hand-over to the writer until its effects were committed (inline: \
         before the answer; deferred: by the backlog, after it)"
    );
    describe_counter!(
        "wacloud_sends_total",
        "Sends to Meta by result (accepted, refused, unknown) and Meta's error code (none when accepted)"
    );
    describe_histogram!(
        "wacloud_pacer_wait_seconds",
        Unit::Seconds,
        "Time a send waited for the pacer (the number's rate and the pair rate)"
    );
    describe_counter!(
        "wacloud_database_write_failures_total",
        "Webhook deliveries refused because the database could not write"
    );
    describe_counter!(
        "wacloud_pruned_total",
        "What retention removed, by kind: webhooks (raw deliveries), message_texts (messages whose text was cleared)"
    );
    describe_gauge!("wacloud_event_stream_clients", "Open GET /events streams");
    describe_gauge!(
        "wacloud_queue_items",
        "Queue items by state (read at each scrape)"
    );
    describe_histogram!(
        "wacloud_http_request_duration_seconds",
        Unit::Seconds,
        "HTTP requests by method, route pattern and status"
    );
}

/// Records what one batch of the retention pruner removed.
pub fn pruned(webhooks: usize, message_texts: usize) {
    let n = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
    if webhooks > 0 {
        metrics::counter!("wacloud_pruned_total", "kind" => "webhooks").increment(n(webhooks));
    }
    if message_texts > 0 {
        metrics::counter!("wacloud_pruned_total", "kind" => "message_texts")
            .increment(n(message_texts));
    }
}

/// Records one answered webhook delivery.
pub fn webhook_answered(outcome: &'static str, elapsed: Duration) {
    metrics::counter!("wacloud_webhook_deliveries_total", "outcome" => outcome).increment(1);
    metrics::histogram!("wacloud_webhook_ack_seconds").record(elapsed.as_secs_f64());
    if outcome == "unavailable" {
        metrics::counter!("wacloud_database_write_failures_total").increment(1);
    }
}

/// Records the events of a recorded delivery, by kind.
pub fn webhook_events(kinds: impl IntoIterator<Item = &'static str>) {
    for kind in kinds {
        metrics::counter!("wacloud_webhook_events_total", "kind" => kind).increment(1);
    }
}

/// Records one send's result and Meta's error code (`None` when accepted or unknown).
pub fn send_result(result: &'static str, code: Option<i64>) {
    let code = code.map_or_else(|| "none".to_owned(), |c| c.to_string());
    metrics::counter!("wacloud_sends_total", "result" => result, "code" => code).increment(1);
}

/// Records how long a send waited for the pacer.
pub fn pacer_waited(waited: Duration) {
    metrics::histogram!("wacloud_pacer_wait_seconds").record(waited.as_secs_f64());
}

/// Times every request by its route pattern (`/api/whatsapp/contacts/{phone}`), never by its
/// concrete path.
///
/// # Errors
/// Whatever the wrapped service fails with.
pub async fn time_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = std::time::Instant::now();
    // HTTP allows any token as a method: only the standard ones get a series of their own.
    let method: &'static str = match req.method().as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    };
    let res = next.call(req).await?.map_into_boxed_body();
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    metrics::histogram!(
        "wacloud_http_request_duration_seconds",
        "method" => method,
        "route" => route,
        "status" => res.status().as_u16().to_string(),
    )
    .record(started.elapsed().as_secs_f64());
    Ok(res)
}

/// Prometheus metrics.
///
/// `GET /metrics`: every metric in Prometheus' text format, with the gauges read now (open
/// event streams, queue items by state). Guarded by `WACLOUD_API_KEY` when it is set
/// (Prometheus sends it with `authorization: {credentials: …}`); docs/DEPLOYMENT.md lists the
/// metrics and alert rules.
#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "metrics",
    tag = "operations",
    responses(
        (status = 200, description = "Prometheus' text exposition format", body = String, content_type = "text/plain; version=0.0.4; charset=utf-8"),
    ),
)]
pub async fn render(state: web::Data<AppState>) -> HttpResponse {
    let handle = handle();
    metrics::gauge!("wacloud_event_stream_clients").set(state.event_streams.open() as f64);
    if let Ok(counts) = wacloud_core::ports::read(state.store.as_ref(), |r| r.queue_counts()).await
    {
        for (queue_state, n) in counts {
            metrics::gauge!("wacloud_queue_items", "state" => queue_state).set(n as f64);
        }
    }
    handle.run_upkeep();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(handle.render())
}
