//! The worker's HTTP server: what others need to check its work, by content-addressed or
//! job-scoped paths, with range requests (auditors and jurors may fetch parts of large
//! files), for as long as the job is open on chain.
//!
//! ```text
//! GET /content/<root>-<size>               a verified file by content hash (final weights,
//!                                          prediction files)
//! GET /jobs/<job>/checkpoints              the run's checkpoint hashes and Merkle root (JSON)
//! GET /jobs/<job>/checkpoints/<index>      checkpoint <index> (safetensors)
//! GET /jobs/<job>/states/<step>            the run's state at <step> (safetensors, the
//!                                          checkpoint format): a checkpoint, or a state a
//!                                          defender recomputed for a dispute
//! GET /health                              200 while the worker runs
//! ```
//!
//! Metrics are served on a separate listener (`--metrics-addr`) so the public endpoint
//! exposes no operator data.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::extract::{Path as UrlPath, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower::ServiceExt;
use tower_http::services::ServeFile;

use crate::metrics::Metrics;
use crate::store::DataDir;

/// The router of the public endpoint. `withhold` (the `withhold-checkpoints` fault) serves
/// nothing of a run.
pub fn router(data: DataDir, withhold: bool) -> Router {
	let router = Router::new()
		.route("/health", get(|| async { "ok" }))
		.route("/content/{name}", get(content));
	let router = if withhold {
		router
	} else {
		router
			.route("/jobs/{job}/checkpoints", get(checkpoint_log))
			.route("/jobs/{job}/checkpoints/{index}", get(checkpoint))
			.route("/jobs/{job}/states/{step}", get(state))
	};
	router.with_state(data)
}

/// Serves the public endpoint on `addr` until the process ends.
pub async fn serve(addr: SocketAddr, data: DataDir, withhold: bool) -> anyhow::Result<SocketAddr> {
	let listener = tokio::net::TcpListener::bind(addr)
		.await
		.map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
	let local = listener.local_addr()?;
	tokio::spawn(async move {
		if let Err(e) = axum::serve(listener, router(data, withhold)).await {
			tracing::error!(error = %e, "the HTTP server stopped");
		}
	});
	Ok(local)
}

/// Serves Prometheus metrics at `/metrics` on `addr`.
pub async fn serve_metrics(addr: SocketAddr, metrics: Metrics) -> anyhow::Result<SocketAddr> {
	let listener = tokio::net::TcpListener::bind(addr)
		.await
		.map_err(|e| anyhow::anyhow!("cannot listen on {addr} for metrics: {e}"))?;
	let local = listener.local_addr()?;
	let app = Router::new().route(
		"/metrics",
		get(move || {
			let metrics = metrics.clone();
			async move { metrics.render() }
		}),
	);
	tokio::spawn(async move {
		if let Err(e) = axum::serve(listener, app).await {
			tracing::error!(error = %e, "the metrics server stopped");
		}
	});
	Ok(local)
}

fn is_content_name(name: &str) -> bool {
	match name.split_once('-') {
		Some((root, size)) => {
			root.len() == 64
				&& root.bytes().all(|b| b.is_ascii_hexdigit())
				&& !size.is_empty()
				&& size.bytes().all(|b| b.is_ascii_digit())
		}
		None => false,
	}
}

async fn content(
	State(data): State<DataDir>,
	UrlPath(name): UrlPath<String>,
	request: Request,
) -> Response {
	if !is_content_name(&name) {
		return (StatusCode::BAD_REQUEST, "expected /content/<64 hex digits>-<size>")
			.into_response();
	}
	file(data.content().join(name), request).await
}

async fn checkpoint_log(
	State(data): State<DataDir>,
	UrlPath(job): UrlPath<u64>,
	request: Request,
) -> Response {
	file(data.checkpoint_log(job), request).await
}

async fn checkpoint(
	State(data): State<DataDir>,
	UrlPath((job, index)): UrlPath<(u64, u32)>,
	request: Request,
) -> Response {
	file(data.checkpoint(job, index), request).await
}

async fn state(
	State(data): State<DataDir>,
	UrlPath((job, step)): UrlPath<(u64, u64)>,
	request: Request,
) -> Response {
	let recomputed = data.state(job, step);
	if recomputed.is_file() {
		return file(recomputed, request).await;
	}
	// A checkpoint step: the checkpoint itself.
	let log: Option<crate::engine::RunLog> =
		crate::store::read_json(&data.checkpoint_log(job)).ok().flatten();
	match log.and_then(|log| log.steps.iter().position(|s| *s == step)) {
		Some(index) => file(data.checkpoint(job, index as u32), request).await,
		None => (StatusCode::NOT_FOUND, "no such state served here").into_response(),
	}
}

async fn file(path: PathBuf, request: Request) -> Response {
	if !path.is_file() {
		return (StatusCode::NOT_FOUND, "not served here").into_response();
	}
	match ServeFile::new(path).oneshot(request).await {
		Ok(response) => response.map(axum::body::Body::new),
		Err(never) => match never {},
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use axum::body::Body;
	use axum::http::header;

	async fn get_bytes(app: Router, uri: &str, range: Option<&str>) -> (StatusCode, Vec<u8>) {
		let mut request = Request::builder().uri(uri);
		if let Some(range) = range {
			request = request.header(header::RANGE, range);
		}
		let response = app.oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
		let status = response.status();
		let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
		(status, bytes.to_vec())
	}

	#[tokio::test]
	async fn serves_content_checkpoints_and_ranges() {
		let dir = tempfile::tempdir().unwrap();
		let data = DataDir::open(dir.path().to_owned()).unwrap();
		let name = format!("{}-5", "ab".repeat(32));
		std::fs::write(data.content().join(&name), b"hello").unwrap();
		crate::store::write_atomic(&data.checkpoint(3, 1), b"checkpoint one").unwrap();
		let log = crate::engine::RunLog { steps: vec![0, 10], ..Default::default() };
		crate::store::write_json(&data.checkpoint_log(3), &log).unwrap();
		crate::store::write_atomic(&data.state(3, 4), b"state four").unwrap();
		let app = router(data.clone(), false);

		assert_eq!(
			get_bytes(app.clone(), &format!("/content/{name}"), None).await,
			(StatusCode::OK, b"hello".to_vec())
		);
		assert_eq!(
			get_bytes(app.clone(), &format!("/content/{name}"), Some("bytes=1-3")).await,
			(StatusCode::PARTIAL_CONTENT, b"ell".to_vec())
		);
		assert_eq!(
			get_bytes(app.clone(), "/jobs/3/checkpoints/1", None).await.1,
			b"checkpoint one"
		);
		assert!(get_bytes(app.clone(), "/jobs/3/checkpoints", None).await.1.starts_with(b"{"));
		// States: a checkpoint step serves the checkpoint, a recomputed one its file.
		assert_eq!(get_bytes(app.clone(), "/jobs/3/states/10", None).await.1, b"checkpoint one");
		assert_eq!(get_bytes(app.clone(), "/jobs/3/states/4", None).await.1, b"state four");
		assert_eq!(get_bytes(app.clone(), "/jobs/3/states/5", None).await.0, StatusCode::NOT_FOUND);
		// A withholding worker serves none of it.
		let withheld = router(data, true);
		assert_eq!(
			get_bytes(withheld.clone(), "/jobs/3/states/10", None).await.0,
			StatusCode::NOT_FOUND
		);
		assert_eq!(
			get_bytes(withheld, "/jobs/3/checkpoints/1", None).await.0,
			StatusCode::NOT_FOUND
		);
		assert_eq!(
			get_bytes(app.clone(), "/jobs/3/checkpoints/2", None).await.0,
			StatusCode::NOT_FOUND
		);
		assert_eq!(
			get_bytes(app.clone(), "/content/..%2Fjobs", None).await.0,
			StatusCode::BAD_REQUEST
		);
		assert_eq!(get_bytes(app, "/health", None).await, (StatusCode::OK, b"ok".to_vec()));
	}
}
