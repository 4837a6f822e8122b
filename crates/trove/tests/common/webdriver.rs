//! A headless Chromium driven over WebDriver (chromedriver), with
//! JavaScript off for every site, as Tor Browser's "Safest" level has it.
//! Needs Debian's `chromium` and `chromium-driver` (scripts/test installs
//! them).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// chromedriver on a free port, killed when dropped.
pub struct Driver {
    child: Child,
    base: String,
    agent: ureq::Agent,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    pub fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is installed (Debian package chromium-driver; scripts/test installs it)");
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        let driver = Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
            agent,
        };
        // chromedriver answers /status once it listens; this waits for a
        // process to start, it does not time the code under test.
        let deadline = Instant::now() + Duration::from_secs(60);
        while driver.agent.get(format!("{}/status", driver.base)).call().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        driver
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.try_call(method, path, body)
            .unwrap_or_else(|error| panic!("WebDriver {method} {path}: {error}"))
    }

    /// A WebDriver command; its error (no such element, a stale one) as a
    /// value, for callers that wait for a page to settle.
    fn try_call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, Value> {
        let url = format!("{}{path}", self.base);
        let response = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, body) => self
                .agent
                .post(&url)
                .content_type("application/json")
                .send(body.unwrap_or(json!({})).to_string()),
        };
        let mut response = response.expect("chromedriver answers");
        let value: Value = serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
        if value["value"].get("error").is_some() {
            return Err(value["value"].clone());
        }
        Ok(value["value"].clone())
    }
}

/// One browser session.
pub struct Browser<'a> {
    driver: &'a Driver,
    session: String,
}

impl Drop for Browser<'_> {
    fn drop(&mut self) {
        let _ = self
            .driver
            .agent
            .delete(format!("{}/session/{}", self.driver.base, self.session))
            .call();
    }
}

impl<'a> Browser<'a> {
    pub fn open(driver: &'a Driver, profile: &Path) -> Browser<'a> {
        let capabilities = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": "/usr/bin/chromium",
                    "args": [
                        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        format!("--user-data-dir={}", profile.display()),
                    ],
                    // JavaScript off for every site, as Tor Browser's "Safest".
                    "prefs": { "profile.managed_default_content_settings.javascript": 2 }
                }
            }}
        });
        let created = driver.call("POST", "/session", Some(capabilities));
        let browser = Browser {
            driver,
            session: created["sessionId"].as_str().unwrap().to_owned(),
        };
        // A click that submits a form returns before the next page has
        // loaded; finding an element waits (up to this long) for it to
        // appear, which is how each step below waits for its page.
        browser.post("/timeouts", json!({ "implicit": 30_000 }));
        browser
    }

    fn post(&self, path: &str, body: Value) -> Value {
        self.driver
            .call("POST", &format!("/session/{}{path}", self.session), Some(body))
    }

    fn get(&self, path: &str) -> Value {
        self.driver
            .call("GET", &format!("/session/{}{path}", self.session), None)
    }

    pub fn go(&self, url: &str) {
        self.post("/url", json!({ "url": url }));
    }

    pub fn element(&self, css: &str) -> String {
        let found = self.post("/element", json!({ "using": "css selector", "value": css }));
        found
            .as_object()
            .unwrap()
            .values()
            .next()
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub fn text(&self, css: &str) -> String {
        let id = self.element(css);
        self.get(&format!("/element/{id}/text")).as_str().unwrap().to_owned()
    }

    /// Waits until the element's text holds `needle` (a click that
    /// submits a form returns before the next page replaces this one, whose
    /// element of the same name may still be found), and returns the text.
    pub fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        let session = format!("/session/{}", self.session);
        loop {
            // The old page's element may go stale between finding it and
            // reading it: that is the page changing, so look again.
            let text = self
                .driver
                .try_call(
                    "POST",
                    &format!("{session}/element"),
                    Some(json!({ "using": "css selector", "value": css })),
                )
                .ok()
                .and_then(|found| found.as_object()?.values().next()?.as_str().map(str::to_owned))
                .and_then(|id| {
                    self.driver
                        .try_call("GET", &format!("{session}/element/{id}/text"), None)
                        .ok()
                })
                .and_then(|text| text.as_str().map(str::to_owned))
                .unwrap_or_default();
            if text.contains(needle) {
                return text;
            }
            assert!(Instant::now() < deadline, "{css} never held {needle:?}; last: {text:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn click(&self, css: &str) {
        let id = self.element(css);
        self.post(&format!("/element/{id}/click"), json!({}));
    }

    pub fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css);
        self.post(&format!("/element/{id}/value"), json!({ "text": text }));
    }

    pub fn url(&self) -> String {
        self.get("/url").as_str().unwrap().to_owned()
    }

    pub fn title(&self) -> String {
        self.get("/title").as_str().unwrap().to_owned()
    }

    /// Saves a PNG of the page as the browser draws it.
    #[allow(dead_code)]
    pub fn screenshot(&self, path: &Path) {
        use base64::Engine;
        let encoded = self.get("/screenshot");
        let png = base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().unwrap())
            .unwrap();
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        std::fs::write(path, png).unwrap();
    }
}
