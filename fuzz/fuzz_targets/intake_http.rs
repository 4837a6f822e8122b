#![no_main]
//! Whole HTTP requests to the intake's router, in process: the source
//! pages, forms and multipart uploads, tus headers and bodies, the pull
//! API. The input is a request as on the wire (request line, headers, a
//! blank line, the body); no input may panic the server or get a 500.

use std::sync::OnceLock;

use axum::Router;
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

struct Server {
    runtime: tokio::runtime::Runtime,
    router: Router,
    _data: tempfile::TempDir,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let data = tempfile::tempdir().unwrap();
        let router = runtime.block_on(async {
            let newsroom = trove_app::Newsroom::init(data.path(), false, "chief", None, None)
                .await
                .unwrap();
            trove_intake::server::router(newsroom.intake(true).await.unwrap())
        });
        Server {
            runtime,
            router,
            _data: data,
        }
    })
}

/// A request from wire-like bytes, if they make one.
fn request(bytes: &[u8]) -> Option<axum::http::Request<axum::body::Body>> {
    let split = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&bytes[..split]).ok()?;
    let body = bytes[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let mut builder = axum::http::Request::builder()
        .method(request_line.next()?)
        .uri(request_line.next()?);
    for line in lines {
        let (name, value) = line.split_once(':')?;
        builder = builder.header(name.trim(), value.trim());
    }
    builder.body(axum::body::Body::from(body)).ok()
}

fuzz_target!(|bytes: &[u8]| {
    let Some(request) = request(bytes) else { return };
    let server = server();
    let response = server.runtime.block_on(server.router.clone().oneshot(request)).unwrap();
    assert_ne!(response.status(), axum::http::StatusCode::INTERNAL_SERVER_ERROR);
});
