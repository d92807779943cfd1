//! How long each part of a command took, printed so the README's figures can be checked against
//! any run (`cargo xtask test` ends with its phases and its total).

use std::time::{Duration, Instant};

/// A duration as the README writes it: "48 s", "3 min 4 s", "1 h 2 min".
pub fn took(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, s / 60 % 60, s % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

/// The phases of one command, each timed from the end of the one before.
pub struct Phases {
    started: Instant,
    last: Instant,
    done: Vec<(&'static str, Duration)>,
}

impl Phases {
    pub fn start() -> Self {
        let now = Instant::now();
        Phases {
            started: now,
            last: now,
            done: vec![],
        }
    }

    /// Ends the phase called `what` now.
    pub fn end(&mut self, what: &'static str) {
        let now = Instant::now();
        self.done.push((what, now - self.last));
        self.last = now;
    }

    /// "21 min 27 s (setup 9 min 2 s, format and lints 3 min 1 s, …)".
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self
            .done
            .iter()
            .map(|(what, d)| format!("{what} {}", took(*d)))
            .collect();
        format!("{} ({})", took(self.started.elapsed()), parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    #[test]
    fn durations_read_as_the_readme_writes_them() {
        let check =
            |secs: u64, want: &str| assert_eq!(super::took(Duration::from_secs(secs)), want);
        check(0, "0 s");
        check(48, "48 s");
        check(60, "1 min 0 s");
        check(184, "3 min 4 s");
        check(1287, "21 min 27 s");
        check(3600, "1 h 0 min");
        check(3725, "1 h 2 min");
    }
}
