//! Assembles the HTTP application: the Seam routes behind the gate, the `/_sim` control
//! surface beside them, Seam-shaped answers for unknown routes, and a `seam-request-id` on
//! every response.

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::error::SimError;
use crate::simulator::Simulator;
use crate::{control, gate, routes};

pub(crate) fn router(sim: Simulator) -> Router {
    let seam =
        routes::router().route_layer(middleware::from_fn_with_state(sim.clone(), gate::seam_gate));
    Router::new()
        .merge(seam)
        .nest("/_sim", control::router())
        .fallback(endpoint_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(sim.clone(), request_id))
        .with_state(sim)
}

async fn endpoint_not_found(req: Request) -> Response {
    SimError::EndpointNotFound(req.uri().path().to_owned()).into_response()
}

async fn method_not_allowed() -> Response {
    SimError::MethodNotAllowed.into_response()
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
