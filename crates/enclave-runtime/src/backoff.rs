//! kubelet's container restart back-off: the first restart is immediate, the next ones wait
//! 10 s, doubling up to 5 min; a container that ran for more than 10 min since the last
//! back-off starts over.

use std::time::Duration;

use tokio::time::Instant;

/// The first back-off delay.
pub(crate) const INITIAL: Duration = Duration::from_secs(10);
/// The longest back-off delay.
pub(crate) const MAX: Duration = Duration::from_secs(300);
/// How long after the last back-off the state is forgotten (kubelet: twice the maximum).
pub(crate) const RESET_AFTER: Duration = Duration::from_secs(600);

/// The back-off state of one container.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct BackOff {
    next: Option<Duration>,
    last_update: Option<Instant>,
}

impl BackOff {
    /// The delay before restarting a container that finished at `finished`, recording the
    /// restart as kubelet's `backOff.Next` does.
    pub(crate) fn restart_delay(&mut self, finished: Instant) -> Duration {
        let delay = match (self.next, self.last_update) {
            (Some(next), Some(last)) if finished.saturating_duration_since(last) <= RESET_AFTER => {
                next
            }
            _ => Duration::ZERO,
        };
        self.next = Some(if delay.is_zero() {
            INITIAL
        } else {
            (delay * 2).min(MAX)
        });
        self.last_update = Some(finished);
        delay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_ten_seconds_to_five_minutes() {
        let mut backoff = BackOff::default();
        let mut at = Instant::now();
        let mut delays = Vec::new();
        for _ in 0..9 {
            let delay = backoff.restart_delay(at);
            delays.push(delay.as_secs());
            at += delay + Duration::from_secs(1);
        }
        assert_eq!(delays, [0, 10, 20, 40, 80, 160, 300, 300, 300]);
    }

    #[test]
    fn resets_after_ten_minutes_of_running() {
        let mut backoff = BackOff::default();
        let start = Instant::now();
        assert_eq!(backoff.restart_delay(start), Duration::ZERO);
        assert_eq!(
            backoff.restart_delay(start + Duration::from_secs(1)),
            INITIAL
        );
        let later = start + Duration::from_secs(1) + RESET_AFTER + Duration::from_secs(1);
        assert_eq!(backoff.restart_delay(later), Duration::ZERO);
        assert_eq!(
            backoff.restart_delay(later + Duration::from_secs(1)),
            INITIAL
        );
    }
}
