//! Assembles the HTTP application: the Seam routes behind the gate (also as `GET` where Seam
//! allows it), the `/_sim` control surface beside them, Seam-shaped answers for unknown
//! routes, and a `seam-request-id` on every response.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::error::SimError;
use crate::simulator::Simulator;
use tower::ServiceExt;

use crate::{access, control, gate, input, routes};

pub(crate) fn router(sim: Simulator) -> Router {
    let seam =
        routes::router().route_layer(middleware::from_fn_with_state(sim.clone(), gate::seam_gate));
    let for_get: Router = seam.clone().with_state(sim.clone());
    Router::new()
        .merge(seam)
        .nest("/_sim", control::router())
        .fallback(endpoint_not_found)
        .method_not_allowed_fallback(move |req: Request| get_as_post(for_get.clone(), req))
        .layer(middleware::from_fn_with_state(sim.clone(), request_id))
        .with_state(sim)
}

async fn endpoint_not_found(req: Request) -> Response {
    SimError::EndpointNotFound(req.uri().path().to_owned()).into_response()
}

/// A `GET` to an endpoint Seam also serves as `GET` ([`access::allows_get`]) is answered as
/// the `POST` with its query string as body would be, gate and all; any other method a
/// route does not take is Seam's 405.
async fn get_as_post(seam: Router, req: Request) -> Response {
    if req.method() != Method::GET || !access::allows_get(req.uri().path()) {
        return SimError::MethodNotAllowed.into_response();
    }
    let body = input::query_to_body(req.uri().query().unwrap_or_default());
    let (mut parts, _) = req.into_parts();
    parts.method = Method::POST;
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let req = Request::from_parts(parts, Body::from(body.to_string()));
    match seam.oneshot(req).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// Gives every response, success or error, a fresh `seam-request-id`, as Seam does, and logs
/// the exchange under it.
async fn request_id(State(sim): State<Simulator>, req: Request, next: Next) -> Response {
    // Drawn from the simulator's seed, so a deterministic run repeats its headers too.
    let request_id = sim.with_store(|store| store.request_id());
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let mut response = next.run(req).await;
    tracing::debug!(
        %method,
        %path,
        status = response.status().as_u16(),
        %request_id,
        "seam-sim answered"
    );
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("seam-request-id", value);
    }
    response
}
