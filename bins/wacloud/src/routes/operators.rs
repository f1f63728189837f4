//! `GET /operators`, `POST /operators`, `PATCH /operators/{id}`,
//! `POST /operators/{id}/password`: managing operators (admins only, by the guard's role
//! check). Every change is recorded in the audit trail.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wacloud_core::auth::password::check_password;
use wacloud_core::auth::{normalize_email, normalize_name, Operator, Role};
use wacloud_core::ports::{new_id, read, write};

use crate::auth::secrets::hash_password_blocking;
use crate::auth::{entry, Origin, Principal};
use crate::errors::{ApiError, ErrorBody};
use crate::routes::params::check_id;
use crate::state::AppState;

/// Body of `POST /operators`. Its `Debug` leaves the password out.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOperatorBody {
    /// E-mail address to log in with; unique whatever its case.
    #[schema(max_length = 254)]
    pub email: String,
    /// Name shown beside what the operator does, 1–100 characters.
    #[schema(max_length = 100)]
    pub display_name: String,
    /// `admin` or `agent`.
    pub role: Role,
    /// At least 12 characters, not a common password, not the e-mail address.
    #[schema(max_length = 1024, format = Password)]
    pub password: String,
}

impl std::fmt::Debug for NewOperatorBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewOperatorBody")
            .field("email", &self.email)
            .field("display_name", &self.display_name)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// Body of `PATCH /operators/{id}`: the fields to change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OperatorPatch {
    /// New display name, 1–100 characters.
    #[schema(max_length = 100)]
    pub display_name: Option<String>,
    /// New role.
    pub role: Option<Role>,
    /// `false` disables the operator: its sessions end at once and it cannot log in.
    pub is_active: Option<bool>,
}

/// Body of `POST /operators/{id}/password`. Its `Debug` leaves the password out.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    /// The new password: at least 12 characters, not a common password, not the e-mail address.
    #[schema(max_length = 1024, format = Password)]
    pub password: String,
}

impl std::fmt::Debug for PasswordBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordBody { .. }")
    }
}

/// Answer of `GET /operators`.
#[derive(Debug, Serialize, ToSchema)]
pub struct OperatorList {
    /// Every operator, by e-mail address.
    pub operators: Vec<Operator>,
}

/// A password the rules refuse: 400 with the rule's code.
///
/// # Errors
/// The rule broken, as an [`ApiError`].
pub fn check_new_password(password: &str, email: &str) -> Result<(), ApiError> {
    check_password(password, email).map_err(|rule| {
        ApiError::bad_request(rule.code(), rule.message()).with("field", "password")
    })
}

/// List operators.
///
/// `GET /operators`: every operator (never a password or its hash). Admins only.
#[utoipa::path(
    get,
    path = "/api/whatsapp/operators",
    operation_id = "list_operators",
    tag = "operators",
    responses(
        (status = 200, description = "The operators", body = OperatorList),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let operators = read(state.store.as_ref(), |r| r.list_operators()).await?;
    Ok(HttpResponse::Ok().json(OperatorList { operators }))
}

/// Add an operator.
///
/// `POST /operators`: a new operator, active, with a password that follows the rules. Admins
/// only.
#[utoipa::path(
    post,
    path = "/api/whatsapp/operators",
    operation_id = "create_operator",
    tag = "operators",
    request_body = NewOperatorBody,
    responses(
        (status = 201, description = "Created", body = Operator),
        (status = 400, description = "`invalid_email`, `invalid_name`, `password_too_short`, `password_too_long`, `password_too_common`, `password_same_as_email`, `invalid_json` (e.g. a role other than admin or agent)", body = ErrorBody),
        (status = 409, description = "`email_taken`: an operator has this address", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<NewOperatorBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let email = normalize_email(&b.email)
        .map_err(|m| ApiError::bad_request("invalid_email", m).with("field", "email"))?;
    let name = normalize_name(&b.display_name)
        .map_err(|m| ApiError::bad_request("invalid_name", m).with("field", "display_name"))?;
    check_new_password(&b.password, &email)?;
    let hash = hash_password_blocking(b.password)
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let now = state.clock.now();
    let op = Operator {
        id: new_id(),
        email,
        display_name: name,
        role: b.role,
        is_active: true,
        created_at: now,
        updated_at: now,
    };
    let actor = Principal::of(&req).actor;
    let e = entry(
        &*state.clock,
        &actor,
        "operator_created",
        Some(op.id.clone()),
        &Origin::of(&req),
        Some(serde_json::json!({ "email": op.email, "role": op.role })),
    );
    let row = op.clone();
    let added = write(state.store.as_ref(), move |r| {
        let added = r.insert_operator(&row, &hash)?;
        if added {
            r.insert_audit(&e)?;
        }
        Ok(added)
    })
    .await?;
    if !added {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "email_taken",
            "an operator already has this e-mail address",
        )
        .with("field", "email"));
    }
    state.auth.operator_added();
    Ok(HttpResponse::Created().json(op))
}

/// Change an operator.
///
/// `PATCH /operators/{id}`: its display name, role or active flag. Disabling ends its sessions
/// at once. The last active admin can be neither demoted nor disabled. Admins only.
#[utoipa::path(
    patch,
    path = "/api/whatsapp/operators/{id}",
    operation_id = "update_operator",
    tag = "operators",
    params(("id" = String, Path, min_length = 1, description = "The operator's id")),
    request_body = OperatorPatch,
    responses(
        (status = 200, description = "The operator as changed", body = Operator),
        (status = 400, description = "`invalid_name`, `invalid_json`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such operator", body = ErrorBody),
        (status = 409, description = "`last_admin`: this would leave no active admin", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<OperatorPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    check_id(&id, "operator")?;
    let patch = body.into_inner();
    let name = patch
        .display_name
        .as_deref()
        .map(normalize_name)
        .transpose()
        .map_err(|m| ApiError::bad_request("invalid_name", m).with("field", "display_name"))?;
    let now = state.clock.now();
    let actor = Principal::of(&req).actor;
    let origin = Origin::of(&req);
    let clock = state.clock.clone();
    let outcome = write(state.store.as_ref(), move |r| {
        let Some(old) = r.get_operator(&id)? else {
            return Ok(Err(ApiError::not_found("no such operator")));
        };
        let new = Operator {
            display_name: name.unwrap_or_else(|| old.display_name.clone()),
            role: patch.role.unwrap_or(old.role),
            is_active: patch.is_active.unwrap_or(old.is_active),
            updated_at: now,
            ..old.clone()
        };
        let was_admin = old.is_active && old.role == Role::Admin;
        let still_admin = new.is_active && new.role == Role::Admin;
        if was_admin && !still_admin {
            let others = r
                .list_operators()?
                .iter()
                .filter(|o| o.id != old.id && o.is_active && o.role == Role::Admin)
                .count();
            if others == 0 {
                return Ok(Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "last_admin",
                    "this is the last active admin: make another operator admin first",
                )));
            }
        }
        r.update_operator(&new)?;
        let disabled = old.is_active && !new.is_active;
        if disabled {
            r.delete_operator_sessions(&new.id, None)?;
        }
        let action = if disabled {
            "operator_disabled"
        } else {
            "operator_changed"
        };
        let details = serde_json::json!({
            "display_name": (old.display_name != new.display_name).then_some(&new.display_name),
            "role": (old.role != new.role).then_some(new.role),
            "is_active": (old.is_active != new.is_active).then_some(new.is_active),
        });
        let e = entry(
            &*clock,
            &actor,
            action,
            Some(new.id.clone()),
            &origin,
            Some(details),
        );
        r.insert_audit(&e)?;
        Ok(Ok(new))
    })
    .await??;
    Ok(HttpResponse::Ok().json(outcome))
}

/// Reset an operator's password.
///
/// `POST /operators/{id}/password`: sets a new password (the same rules as a new operator's)
/// and ends the operator's sessions (the caller's own one stays). Admins only.
#[utoipa::path(
    post,
    path = "/api/whatsapp/operators/{id}/password",
    operation_id = "reset_operator_password",
    tag = "operators",
    params(("id" = String, Path, min_length = 1, description = "The operator's id")),
    request_body = PasswordBody,
    responses(
        (status = 204, description = "Changed; the operator's other sessions ended"),
        (status = 400, description = "`password_too_short`, `password_too_long`, `password_too_common`, `password_same_as_email`, `invalid_json`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such operator", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn reset_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<PasswordBody>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    check_id(&id, "operator")?;
    let lookup = id.clone();
    let Some(op) = read(state.store.as_ref(), move |r| r.get_operator(&lookup)).await? else {
        return Err(ApiError::not_found("no such operator"));
    };
    let password = body.into_inner().password;
    check_new_password(&password, &op.email)?;
    let hash = hash_password_blocking(password)
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let p = Principal::of(&req);
    let keep = p.session.clone();
    let e = entry(
        &*state.clock,
        &p.actor,
        "password_reset",
        Some(id.clone()),
        &Origin::of(&req),
        None,
    );
    let now = state.clock.now();
    write(state.store.as_ref(), move |r| {
        r.set_password_hash(&id, &hash, now)?;
        r.delete_operator_sessions(&id, keep.as_deref())?;
        r.insert_audit(&e)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
