//! The control endpoint of a running server: `zonesync serve --config FILE status`
//! (and `refresh`, `retransfer`, `notify`, `reload`, `bulk-refresh`), as `rndc` and
//! `knotc` are to BIND and Knot.
//!
//! The protocol is one JSON request and one JSON response: a line each over a Unix
//! socket (the default, `control.sock` in the state directory, mode 0600: whoever can
//! open it controls the server), or the body of `POST /control` on a loopback HTTP
//! address (`server::http`). This module is the transport: the server listens with
//! it and the CLI is its client. What may be asked, and the answers, belong to the
//! zone-set manager that carries them out ([`crate::sync::manager::control`], re-exported
//! here): requests go to it as a
//! [`ZoneCommand::Control`](crate::sync::manager::ZoneCommand) and wait for its
//! answer. Dependencies point one way: `control → sync`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, warn};

use crate::sync::manager::ZoneCommand;
pub use crate::sync::manager::control::{ControlRequest, ControlResponse, ServerStatus, ZoneView};

/// Longest request line accepted.
const MAX_REQUEST: u64 = 64 * 1024;
/// How long a request may wait for the manager.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// Hands a request to the zone-set manager and waits for the answer.
pub async fn dispatch(
    commands: &mpsc::Sender<ZoneCommand>,
    request: ControlRequest,
) -> ControlResponse {
    let (reply, answer) = oneshot::channel();
    if commands
        .send(ZoneCommand::Control { request, reply })
        .await
        .is_err()
    {
        return ControlResponse::error("the server is shutting down");
    }
    match tokio::time::timeout(ANSWER_TIMEOUT, answer).await {
        Ok(Ok(r)) => r,
        Ok(Err(_)) => ControlResponse::error("the server is shutting down"),
        Err(_) => ControlResponse::error("no answer from the server within 30 s"),
    }
}

//----------- Unix socket ------------------------------------------------------------

/// Binds the control socket (replacing a stale one), readable and writable by the
/// owner only.
pub fn bind(path: &Path) -> std::io::Result<UnixListener> {
    use std::os::unix::fs::PermissionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let listener = UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(listener)
}

/// Serves the control socket until the task is aborted.
pub async fn serve(listener: UnixListener, commands: mpsc::Sender<ZoneCommand>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let commands = commands.clone();
        tokio::spawn(async move {
            if let Err(e) = connection(stream, &commands).await {
                debug!(error = %e, "control connection failed");
            }
        });
    }
}

async fn connection(
    stream: UnixStream,
    commands: &mpsc::Sender<ZoneCommand>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    let mut reader = BufReader::new(tokio::io::AsyncReadExt::take(read, MAX_REQUEST));
    tokio::time::timeout(Duration::from_secs(10), reader.read_line(&mut line))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no request"))??;
    let response = match serde_json::from_str::<ControlRequest>(line.trim()) {
        Ok(request) => dispatch(commands, request).await,
        Err(e) => {
            warn!(error = %e, "bad control request");
            ControlResponse::error(format!("bad request: {e}"))
        }
    };
    let mut out = serde_json::to_vec(&response).map_err(std::io::Error::other)?;
    out.push(b'\n');
    write.write_all(&out).await?;
    write.shutdown().await
}

/// The client side: sends `request` to the socket at `path` and reads the answer.
pub async fn request_socket(
    path: &PathBuf,
    request: &ControlRequest,
) -> std::io::Result<ControlResponse> {
    let stream = UnixStream::connect(path).await?;
    let (read, mut write) = stream.into_split();
    let mut body = serde_json::to_vec(request).map_err(std::io::Error::other)?;
    body.push(b'\n');
    write.write_all(&body).await?;
    let mut line = String::new();
    let mut reader = BufReader::new(read);
    tokio::time::timeout(
        ANSWER_TIMEOUT + Duration::from_secs(5),
        reader.read_line(&mut line),
    )
    .await
    .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer"))??;
    serde_json::from_str(line.trim()).map_err(std::io::Error::other)
}

/// The client side over HTTP: `POST /control` to a loopback address.
pub async fn request_http(
    addr: std::net::SocketAddr,
    request: &ControlRequest,
) -> std::io::Result<ControlResponse> {
    use http_body_util::{BodyExt, Full};
    use hyper::body::Bytes;
    let io_err = |e: hyper::Error| std::io::Error::other(e.to_string());
    let stream = tokio::net::TcpStream::connect(addr).await?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(io_err)?;
    let driver = tokio::spawn(conn);
    let body = serde_json::to_vec(request).map_err(std::io::Error::other)?;
    let req = hyper::Request::post("/control")
        .header("host", addr.to_string())
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .map_err(std::io::Error::other)?;
    let response = tokio::time::timeout(
        ANSWER_TIMEOUT + Duration::from_secs(5),
        sender.send_request(req),
    )
    .await
    .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer"))?
    .map_err(io_err)?;
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(io_err)?
        .to_bytes();
    driver.abort();
    serde_json::from_slice(&bytes).map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_as_json() {
        for r in [
            ControlRequest::Status { zone: None },
            ControlRequest::Refresh {
                zone: "example.com".into(),
            },
            ControlRequest::Reload,
            ControlRequest::BulkRefresh,
        ] {
            let text = serde_json::to_string(&r).unwrap();
            assert_eq!(serde_json::from_str::<ControlRequest>(&text).unwrap(), r);
        }
        assert_eq!(
            serde_json::to_string(&ControlRequest::Retransfer { zone: "x".into() }).unwrap(),
            r#"{"command":"retransfer","zone":"x"}"#
        );
        assert!(serde_json::from_str::<ControlRequest>(r#"{"command":"format-disk"}"#).is_err());
    }
}
