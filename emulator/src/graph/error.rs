//! Graph error values (graph-facts §B.1): `{"error":{"code","message","innerError":{…},"details"?}}`.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::http_util::{graph_inner_date, hv, now_unix};

use super::ReqIds;

/// A Graph error not yet tied to a request (handlers return it; the dispatcher renders it).
#[derive(Clone, Debug)]
pub struct GErr {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub details: Vec<Value>,
    pub retry_after: Option<u64>,
}

pub type GResult<T> = Result<T, GErr>;

impl GErr {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        GErr {
            status,
            code: code.into(),
            message: message.into(),
            details: vec![],
            retry_after: None,
        }
    }

    pub fn detail(mut self, code: &str, message: &str, target: &str) -> Self {
        self.details
            .push(json!({"code": code, "message": message, "target": target}));
        self
    }

    pub fn render(&self, ids: &ReqIds) -> Response {
        let mut err = json!({
            "code": self.code,
            "message": self.message,
            "innerError": {
                "date": graph_inner_date(now_unix()),
                "request-id": ids.request_id,
                "client-request-id": ids.client_request_id,
            }
        });
        if !self.details.is_empty() {
            err["details"] = json!(self.details);
        }
        let mut r = (self.status, axum::Json(json!({ "error": err }))).into_response();
        if let Some(s) = self.retry_after {
            r.headers_mut()
                .insert(header::RETRY_AFTER, hv(&s.to_string()));
        }
        r
    }
}

// --- the errors used across the Graph handlers -------------------------------------------------

/// 404 `Request_ResourceNotFound` (graph-facts §A.8, §B.2; verbatim).
pub fn not_found(what: &str) -> GErr {
    GErr::new(
        StatusCode::NOT_FOUND,
        "Request_ResourceNotFound",
        format!("Resource '{what}' does not exist or one of its queried reference-property objects are not present."),
    )
}

/// 403 `Authorization_RequestDenied` (graph-facts §B.2; verbatim).
pub fn denied() -> GErr {
    GErr::new(
        StatusCode::FORBIDDEN,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )
}

pub fn bad_request(code: &str, message: impl Into<String>) -> GErr {
    GErr::new(StatusCode::BAD_REQUEST, code, message)
}

/// A property value the directory refuses (Entra's wording for invalid property values).
pub fn invalid_value(property: &str, resource: &str) -> GErr {
    bad_request(
        "Request_BadRequest",
        format!("Invalid value specified for property '{property}' of resource '{resource}'."),
    )
}

/// A property the OData model does not know (Microsoft.OData's wording, code `BadRequest`).
pub fn no_such_property(property: &str, type_name: &str) -> GErr {
    bad_request(
        "BadRequest",
        format!("The property '{property}' does not exist on type 'microsoft.graph.{type_name}'. Make sure to only use property names that are defined by the type or mark the type as open type."),
    )
}

/// A read-only property in a write body (wording chosen by the emulator).
pub fn read_only(property: &str, type_name: &str) -> GErr {
    bad_request(
        "Request_BadRequest",
        format!("Property '{property}' on type 'microsoft.graph.{type_name}' is read-only and cannot be set."),
    )
}

pub fn unreadable_body() -> GErr {
    bad_request(
        "BadRequest",
        "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
    )
}

pub fn method_not_allowed() -> GErr {
    GErr::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "Request_BadRequest",
        "Specified HTTP method is not allowed for the request target.",
    )
}

pub fn bad_segment(seg: &str) -> GErr {
    bad_request(
        "BadRequest",
        format!("Resource not found for the segment '{seg}'."),
    )
}
