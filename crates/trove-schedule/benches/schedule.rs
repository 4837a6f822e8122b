//! Scheduling 10 000 releases against 1 000 events: time, peak memory, and
//! the readership achieved against the greedy earliest-slot baseline on
//! the same instance in the same run.
//!
//! `cargo bench -p trove-schedule --bench schedule`; sizes with
//! `TROVE_BENCH_RELEASES` and `TROVE_BENCH_EVENTS`.

use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use trove_schedule::{Attention, Event, Hour, Limits, Model, Release, Topics, earliest_slot, schedule};

const TOPICS: [&str; 20] = [
    "election",
    "sport",
    "banks",
    "health",
    "defence",
    "energy",
    "police",
    "courts",
    "schools",
    "climate",
    "migration",
    "tax",
    "housing",
    "transport",
    "media",
    "trade",
    "farming",
    "prisons",
    "water",
    "science",
];
/// Five years of releases and events from 2020-01-01.
const SPAN_HOURS: i64 = 5 * 365 * 24;

fn size(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn topics(rng: &mut ChaCha8Rng) -> Topics {
    let n = rng.gen_range(0..=2);
    Topics::new((0..n).map(|_| TOPICS[rng.gen_range(0..TOPICS.len())]))
}

/// The process's peak resident memory, from /proc.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

fn main() {
    let release_count = size("TROVE_BENCH_RELEASES", 10_000);
    let event_count = size("TROVE_BENCH_EVENTS", 1_000);
    let start: Hour = "2020-01-01".parse().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(19);
    let events: Vec<Event> = (0..event_count)
        .map(|i| {
            let at = start.plus_hours(rng.gen_range(0..SPAN_HOURS));
            let length = rng.gen_range(1..14 * 24);
            Event::new(
                format!("event-{i}"),
                format!("Event {i}"),
                at,
                at.plus_hours(length),
                topics(&mut rng),
                Attention::new(rng.gen_range(0.1..0.9)).unwrap(),
            )
            .unwrap()
        })
        .collect();
    let releases: Vec<Release> = (0..release_count)
        .map(|i| Release {
            id: format!("release-{i}"),
            ready: start.plus_hours(rng.gen_range(0..SPAN_HOURS)),
            topics: topics(&mut rng),
            embargo_until: None,
        })
        .collect();
    // About 5.5 releases a day on average: the weekly limit binds.
    let limits = Limits {
        max_delay_days: 30,
        per_day: 8,
        per_week: 45,
    };
    let model = Model::default();
    println!(
        "{release_count} releases, {event_count} events over 5 years; bound {} days, {} a day, {} a week; 2 cores",
        limits.max_delay_days, limits.per_day, limits.per_week
    );
    let before = peak_rss_mib();
    let clock = Instant::now();
    let plan = schedule(&releases, &events, &limits, &model, start);
    let seconds = clock.elapsed().as_secs_f64();
    let peak = peak_rss_mib();
    let clock = Instant::now();
    let greedy = earliest_slot(&releases, &events, &limits, &model, start);
    let greedy_seconds = clock.elapsed().as_secs_f64();

    let over = |s: &trove_schedule::Schedule| {
        s.placements
            .iter()
            .filter(|p| p.codes().contains(&"OVER_CAPACITY"))
            .count()
    };
    let mean_delay = |s: &trove_schedule::Schedule| {
        s.placements.iter().map(|p| p.delay_hours() as f64).sum::<f64>() / s.placements.len().max(1) as f64 / 24.0
    };
    let worst_delay =
        |s: &trove_schedule::Schedule| s.placements.iter().map(|p| p.delay_hours()).max().unwrap_or(0) as f64 / 24.0;
    println!(
        "trove (min-cost flow): {seconds:.2} s, peak RSS {peak:.0} MiB (before {before:.0}), readership {:.1}, \
         mean delay {:.1} days, worst {:.1} days, over capacity {}",
        plan.readership,
        mean_delay(&plan),
        worst_delay(&plan),
        over(&plan)
    );
    println!(
        "greedy earliest slot: {greedy_seconds:.2} s, readership {:.1}, mean delay {:.1} days, worst {:.1} days",
        greedy.readership,
        mean_delay(&greedy),
        worst_delay(&greedy)
    );
    println!(
        "readership ratio trove / greedy: {:.3}",
        plan.readership / greedy.readership.max(f64::MIN_POSITIVE)
    );
}
