//! Progress bars for long work (setup, SRS loading, calibration), drawn on stderr.
//!
//! The CLI switches them on with [`enable`] unless `--json` or `--quiet` is given; library users
//! and tests get silent no-op handles by default. Bars are also hidden automatically when stderr
//! is not a terminal (indicatif's draw target), so logs and CI output stay clean.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Switch progress reporting on or off for this process.
pub fn enable(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// A unit of long work: a bar with a known total, or a spinner. Cheap to clone into rayon tasks.
#[derive(Clone)]
pub struct Task(Option<ProgressBar>);

/// Start a bar of `total` steps named `name` (a spinner when `total` is 0).
pub fn task(name: &str, total: u64) -> Task {
    if !ENABLED.load(Ordering::Relaxed) {
        return Task(None);
    }
    let bar = if total == 0 {
        let b = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        b.set_style(
            ProgressStyle::with_template("  {spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        b.enable_steady_tick(Duration::from_millis(120));
        b
    } else {
        let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        b.set_style(
            ProgressStyle::with_template("  {msg} [{bar:30}] {pos}/{len} ({elapsed}, eta {eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        b
    };
    bar.set_message(name.to_string());
    Task(Some(bar))
}

impl Task {
    /// Advance by `n` steps.
    pub fn inc(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }

    /// Remove the bar (the caller reports the phase's timing itself).
    pub fn finish(self) {
        if let Some(b) = self.0 {
            b.finish_and_clear();
        }
    }
}
