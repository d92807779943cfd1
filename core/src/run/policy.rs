//! Retry limits, back-off arithmetic and the run's small PRNG.

use crate::ids::Guid;
use crate::time;

/// Retry limits. Times in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub throttle_retries: u32,
    pub backoff_base_ms: u64,
    pub backoff_cap_ms: u64,
    pub jitter_ms: u64,
    /// The longest `Retry-After` honoured.
    pub retry_after_cap_ms: u64,
    pub lag_first_poll_ms: u64,
    pub lag_poll_cap_ms: u64,
    pub replication_deadline_ms: u64,
    /// Network failures (while online) tolerated per operation before pausing.
    pub network_retries: u32,
    /// How long a request may go unanswered before it counts as lost (Microsoft documents no
    /// upper bound for Graph's answers; its gateway answers 504 well within this).
    pub request_deadline_ms: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            throttle_retries: 5,
            backoff_base_ms: 3_000,
            backoff_cap_ms: 180_000,
            jitter_ms: 1_000,
            retry_after_cap_ms: 600_000,
            lag_first_poll_ms: 2_000,
            lag_poll_cap_ms: 32_000,
            replication_deadline_ms: 120_000,
            network_retries: 3,
            request_deadline_ms: 60_000,
        }
    }
}

impl Policy {
    /// The `n`th exponential back-off (3 s, 6 s, … capped), plus jitter.
    pub(super) fn backoff(&self, rng: &mut Rng, n: u32) -> u64 {
        let exp = self
            .backoff_base_ms
            .saturating_mul(1u64 << n.saturating_sub(1).min(20));
        exp.min(self.backoff_cap_ms) + rng.below(self.jitter_ms)
    }

    /// `Retry-After` (seconds or an HTTP-date), capped; else the `n`th back-off.
    pub(super) fn retry_after(
        &self,
        rng: &mut Rng,
        value: Option<&str>,
        now_ms: u64,
        n: u32,
    ) -> u64 {
        let parsed = value.map(str::trim).and_then(|v| {
            v.parse::<u64>()
                .ok()
                .map(|s| s.saturating_mul(1000))
                .or_else(|| time::parse_http_date(v).map(|t| t.saturating_sub(now_ms)))
        });
        match parsed {
            Some(ms) => ms.min(self.retry_after_cap_ms),
            None => self.backoff(rng, n),
        }
    }

    /// The `n`th replication poll interval (2 s, 4 s, … capped), plus half a jitter.
    pub(super) fn lag_poll(&self, rng: &mut Rng, n: u32) -> u64 {
        self.lag_first_poll_ms
            .saturating_mul(1u64 << n.saturating_sub(1).min(20))
            .min(self.lag_poll_cap_ms)
            + rng.below(self.jitter_ms / 2)
    }
}

/// A small PRNG for `client-request-id`s and jitter, seeded by the caller's CSPRNG. (Neither
/// needs to be unpredictable; the seed keeps the core free of a randomness source.)
#[derive(Debug, Clone)]
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: [u8; 16]) -> Self {
        let mut a = [0u8; 8];
        let mut b = [0u8; 8];
        a.copy_from_slice(&seed[..8]);
        b.copy_from_slice(&seed[8..]);
        Rng((u64::from_le_bytes(a) ^ u64::from_le_bytes(b).rotate_left(32)) | 1)
    }

    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub(super) fn guid(&mut self) -> Guid {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.next().to_le_bytes());
        b[8..].copy_from_slice(&self.next().to_le_bytes());
        Guid::new_v4(b)
    }

    pub(super) fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}
