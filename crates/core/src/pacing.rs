//! Pacing keeps this desktop's TikTok account inside TikTok's limits: at most `daily_cap` sends
//! in any 24 hours (a rolling window, so a burst just after midnight cannot double a day) and
//! at least `min_spacing_s` between two sends, whoever is named operator.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub const DAY_MS: i64 = 24 * 3600 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Pacing {
    pub daily_cap: u32,
    pub min_spacing_s: u32,
}

impl Default for Pacing {
    fn default() -> Self {
        Self {
            daily_cap: 50,
            min_spacing_s: 90,
        }
    }
}

/// Whether the next send may happen now, and if not, why and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum PaceVerdict {
    Allowed {
        sent_last_24h: u32,
        daily_cap: u32,
    },
    Wait {
        reason: String,
        /// Unix milliseconds.
        until: i64,
        sent_last_24h: u32,
        daily_cap: u32,
    },
}

impl PaceVerdict {
    pub fn allowed(&self) -> bool {
        matches!(self, PaceVerdict::Allowed { .. })
    }
}

/// `sends` are this desktop's send times (Unix ms) within the last 24 hours, any order.
pub fn check(pacing: Pacing, sends: &[i64], now: i64) -> PaceVerdict {
    let mut recent: Vec<i64> = sends
        .iter()
        .copied()
        .filter(|t| *t > now - DAY_MS)
        .collect();
    recent.sort_unstable();
    let sent = recent.len() as u32;
    let cap = pacing.daily_cap;
    if sent >= cap {
        // The window frees a slot when the oldest send that keeps it full turns 24 hours old.
        let oldest_blocking = recent[(sent - cap) as usize];
        return PaceVerdict::Wait {
            reason: format!("daily cap reached: {sent} of {cap} sends in the last 24 hours"),
            until: oldest_blocking + DAY_MS,
            sent_last_24h: sent,
            daily_cap: cap,
        };
    }
    if let Some(last) = recent.last() {
        let next = last + i64::from(pacing.min_spacing_s) * 1000;
        if next > now {
            return PaceVerdict::Wait {
                reason: format!(
                    "keep {} s between messages; the last one went {} s ago",
                    pacing.min_spacing_s,
                    (now - last) / 1000
                ),
                until: next,
                sent_last_24h: sent,
                daily_cap: cap,
            };
        }
    }
    PaceVerdict::Allowed {
        sent_last_24h: sent,
        daily_cap: cap,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 10 * DAY_MS;

    #[test]
    fn the_first_send_of_the_day_is_allowed() {
        let verdict = check(Pacing::default(), &[], NOW);
        assert_eq!(
            verdict,
            PaceVerdict::Allowed {
                sent_last_24h: 0,
                daily_cap: 50
            }
        );
    }

    #[test]
    fn sends_too_close_together_wait_for_the_spacing() {
        let pacing = Pacing {
            daily_cap: 50,
            min_spacing_s: 90,
        };
        let verdict = check(pacing, &[NOW - 30_000], NOW);
        match verdict {
            PaceVerdict::Wait { until, reason, .. } => {
                assert_eq!(until, NOW + 60_000);
                assert!(reason.contains("90 s"), "{reason}");
            }
            other => panic!("expected a wait, got {other:?}"),
        }
        assert!(check(pacing, &[NOW - 90_000], NOW).allowed());
    }

    #[test]
    fn a_full_day_waits_until_the_oldest_send_leaves_the_window() {
        let pacing = Pacing {
            daily_cap: 3,
            min_spacing_s: 0,
        };
        let sends = [NOW - 20 * 3600 * 1000, NOW - 10 * 3600 * 1000, NOW - 1000];
        match check(pacing, &sends, NOW) {
            PaceVerdict::Wait {
                until,
                sent_last_24h,
                ..
            } => {
                assert_eq!(sent_last_24h, 3);
                assert_eq!(until, sends[0] + DAY_MS, "4 hours from now");
            }
            other => panic!("expected a wait, got {other:?}"),
        }
    }

    #[test]
    fn sends_older_than_a_day_do_not_count() {
        let pacing = Pacing {
            daily_cap: 1,
            min_spacing_s: 0,
        };
        assert!(check(pacing, &[NOW - DAY_MS - 1], NOW).allowed());
    }
}
