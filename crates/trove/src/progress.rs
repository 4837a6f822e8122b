//! Progress bars on standard error (hidden when it is not a terminal).

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// One bar at a time, restarted by each step of an operation.
#[derive(Default)]
pub struct Bars {
    bar: Mutex<Option<ProgressBar>>,
    documents: std::sync::Arc<AtomicU64>,
}

impl trove_app::Progress for Bars {
    fn start(&self, what: &'static str, total_bytes: Option<u64>) {
        let bar = match total_bytes {
            Some(total) => ProgressBar::new(total),
            None => ProgressBar::new_spinner(),
        };
        self.documents.store(0, Ordering::Relaxed);
        if std::io::stderr().is_terminal() {
            let documents = std::sync::Arc::clone(&self.documents);
            let template = if total_bytes.is_some() {
                format!("{what} {{bar:30}} {{bytes}}/{{total_bytes}} {{bytes_per_sec}} {{docs}} eta {{eta}}")
            } else {
                format!("{what} {{spinner}} {{docs}}")
            };
            bar.set_style(
                ProgressStyle::with_template(&template)
                    .expect("a valid template")
                    .with_key("docs", move |state: &ProgressState, out: &mut dyn std::fmt::Write| {
                        let done = documents.load(Ordering::Relaxed);
                        if done > 0 {
                            let rate = done as f64 / state.elapsed().as_secs_f64().max(0.001);
                            let _ = write!(out, "{done} docs {rate:.0} docs/s");
                        }
                    }),
            );
        } else {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        if let Some(old) = self.bar.lock().unwrap_or_else(|p| p.into_inner()).replace(bar) {
            old.finish_and_clear();
        }
    }

    fn advance(&self, bytes: u64, documents: u64) {
        self.documents.fetch_add(documents, Ordering::Relaxed);
        if let Some(bar) = &*self.bar.lock().unwrap_or_else(|p| p.into_inner()) {
            bar.inc(bytes);
            if documents > 0 {
                bar.tick();
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.bar.lock().unwrap_or_else(|p| p.into_inner()).take() {
            bar.finish_and_clear();
        }
    }
}
