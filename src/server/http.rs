//! The HTTP side of the server: on the `metrics:` address `GET /metrics` for
//! Prometheus, the status page at `GET /` ([`super::page`]) and its JSON at
//! `GET /status.json` (the answer of `zonesync serve status --format json`, asked of
//! the zone-set manager the same way); and, when the config puts the control endpoint
//! on HTTP, `POST /control` (the JSON of [`crate::control`]). hyper does the HTTP;
//! this file only routes.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tracing::debug;

use crate::control::{ControlRequest, ControlResponse, dispatch};
use crate::metrics::{SecondaryFacts, ZoneFacts};
use crate::sync::Registry;
use crate::sync::manager::ZoneCommand;
use crate::sync::status::State;
use crate::sync::timers::unix_now;

/// Largest request body accepted.
const MAX_BODY: usize = 64 * 1024;

/// What the HTTP endpoint serves.
#[derive(Clone)]
pub struct HttpState {
    /// The zones (for the per-zone gauges).
    pub registry: Arc<Registry>,
    /// Serve `/metrics`.
    pub metrics: bool,
    /// Serve the status page (`/`, `/status.json`), asking the manager through this
    /// inbox.
    pub status: Option<mpsc::Sender<ZoneCommand>>,
    /// Serve `POST /control` through this inbox.
    pub control: Option<mpsc::Sender<ZoneCommand>>,
}

/// Serves HTTP on `listener` until the task is aborted.
pub async fn serve(listener: TcpListener, state: HttpState) {
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            continue;
        };
        let state = state.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| route(req, state.clone()));
            if let Err(e) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                debug!(%peer, error = %e, "HTTP connection failed");
            }
        });
    }
}

async fn route(
    req: Request<Incoming>,
    state: HttpState,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let reply = |status: StatusCode, ctype: &str, body: String| {
        Response::builder()
            .status(status)
            .header("content-type", ctype)
            .body(Full::new(Bytes::from(body)))
            .expect("a valid response")
    };
    match (req.method(), req.uri().path()) {
        (&Method::GET, "/metrics") if state.metrics => {
            let text = crate::metrics::get().encode(&zone_facts(&state.registry));
            Ok(reply(
                StatusCode::OK,
                "text/plain; version=0.0.4; charset=utf-8",
                text,
            ))
        }
        (&Method::GET, path @ ("/" | "/status.json")) if state.status.is_some() => {
            let commands = state.status.clone().expect("checked");
            let status = dispatch(&commands, ControlRequest::Status { zone: None }).await;
            Ok(if path == "/" {
                reply(
                    StatusCode::OK,
                    "text/html; charset=utf-8",
                    super::page::render(&status, unix_now()),
                )
            } else {
                let json = serde_json::to_string_pretty(&status).unwrap_or_default();
                reply(StatusCode::OK, "application/json", json)
            })
        }
        (&Method::POST, "/control") if state.control.is_some() => {
            let commands = state.control.clone().expect("checked");
            let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
                Ok(b) => b.to_bytes(),
                Err(_) => {
                    return Ok(reply(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "text/plain",
                        "too large\n".into(),
                    ));
                }
            };
            let response = match serde_json::from_slice::<ControlRequest>(&body) {
                Ok(request) => dispatch(&commands, request).await,
                Err(e) => ControlResponse::error(format!("bad request: {e}")),
            };
            let json = serde_json::to_string(&response).unwrap_or_default();
            Ok(reply(StatusCode::OK, "application/json", json))
        }
        _ => Ok(reply(
            StatusCode::NOT_FOUND,
            "text/plain",
            "not found\n".into(),
        )),
    }
}

/// The per-zone facts the metrics gauges show, read off every zone's status now.
fn zone_facts(registry: &Registry) -> Vec<ZoneFacts> {
    let now = unix_now();
    registry
        .snapshot()
        .iter()
        .map(|h| {
            let st = h.status.get();
            ZoneFacts {
                zone: h.name.to_string(),
                state: match st.state {
                    State::Loading => "loading",
                    State::Ok => "ok",
                    State::Refreshing => "refreshing",
                    State::Expired => "expired",
                },
                serial: st.serial,
                seconds_since_refresh: st.last_refresh.map(|t| now.saturating_sub(t)),
                secondaries: h
                    .propagation
                    .view(st.serial)
                    .into_iter()
                    .map(|s| SecondaryFacts {
                        secondary: s.secondary,
                        serial: s.serial,
                        behind: s.behind,
                        lag_seconds: s.lag_seconds,
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Binds an HTTP listener.
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}
