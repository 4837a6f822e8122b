//! The scheduler's rules on random calendars, releases and limits: no
//! release is dropped, none waits past its bound, capacity holds whenever
//! it can, an event never delays a release related to it, and on small
//! instances the readership is within 1 % of the optimum found by trying
//! every placement.

use std::collections::HashMap;

use proptest::prelude::*;
use trove_schedule::{Attention, Event, Hour, Limits, Model, Release, Topics, Window, schedule};

const TOPICS: [&str; 4] = ["election", "sport", "banks", "health"];
/// 2016-08-01T00, a Monday.
const START: i64 = 407_184;

fn topics() -> impl Strategy<Value = Topics> {
    proptest::sample::subsequence(TOPICS.to_vec(), 0..=2).prop_map(Topics::new)
}

fn event() -> impl Strategy<Value = Event> {
    (0i64..24 * 40, 1i64..24 * 12, topics(), 0.0f64..0.95).prop_map(|(start, length, topics, attention)| {
        let start = Hour::from_index(START + start);
        Event::new(
            format!("e{}", start.index()),
            "event",
            start,
            start.plus_hours(length),
            topics,
            Attention::new(attention).unwrap(),
        )
        .unwrap()
    })
}

fn release(max_ready: i64) -> impl Strategy<Value = Release> {
    (0..max_ready, topics(), proptest::option::weighted(0.2, 0i64..24 * 10)).prop_map(|(ready, topics, embargo)| {
        let ready = Hour::from_index(START + ready);
        Release {
            id: format!("r{}", ready.index()),
            ready,
            topics,
            embargo_until: embargo.map(|h| ready.plus_hours(h)),
        }
    })
}

/// Events with uids of their own (two may start at the same hour).
fn events(range: std::ops::Range<usize>) -> impl Strategy<Value = Vec<Event>> {
    proptest::collection::vec(event(), range).prop_map(|mut events| {
        for (i, event) in events.iter_mut().enumerate() {
            event.uid = format!("e{i}");
        }
        events
    })
}

fn limits(max_days: u32) -> impl Strategy<Value = Limits> {
    (0..=max_days, 1u32..4, 1u32..10).prop_map(|(max_delay_days, per_day, per_week)| Limits {
        max_delay_days,
        per_day,
        per_week,
    })
}

fn now() -> Hour {
    Hour::from_index(START)
}

/// Releases over the limits, as the flow counts them: beyond the day's
/// limit, then beyond the week's among those within their day's.
fn overflow(days: &[i64], limits: &Limits) -> u32 {
    let mut per_day: HashMap<i64, u32> = HashMap::new();
    for day in days {
        *per_day.entry(*day).or_default() += 1;
    }
    let mut per_week: HashMap<i64, u32> = HashMap::new();
    let mut over = 0;
    for (day, count) in per_day {
        over += count.saturating_sub(limits.per_day);
        *per_week.entry(Hour::start_of_day(day).week()).or_default() += count.min(limits.per_day);
    }
    over + per_week
        .values()
        .map(|c| c.saturating_sub(limits.per_week))
        .sum::<u32>()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn nothing_dropped_nothing_past_its_bound_capacity_holds_when_it_can(
        releases in proptest::collection::vec(release(24 * 30), 0..40),
        events in events(0..12),
        limits in limits(30),
    ) {
        let plan = schedule(&releases, &events, &limits, &Model::default(), now());
        prop_assert_eq!(plan.placements.len(), releases.len());
        let mut days = Vec::new();
        for (release, placed) in releases.iter().zip(&plan.placements) {
            prop_assert_eq!(placed.release(), release.id.as_str());
            let bound = release.ready.plus_days(i64::from(limits.max_delay_days));
            let latest = bound.max(release.embargo_until.unwrap_or(release.ready));
            prop_assert!(placed.at() >= release.ready && placed.at() <= latest, "{}", placed.explain());
            if let Some(until) = release.embargo_until {
                prop_assert!(placed.at() >= until);
            }
            for reason in placed.reasons() {
                // An event that shares a topic is never a reason to wait.
                if let trove_schedule::Reason::Event { uid, .. } = reason {
                    let event = events.iter().find(|e| &e.uid == uid).unwrap();
                    prop_assert!(!event.topics.shares_any(&release.topics));
                }
            }
            days.push(placed.at().day());
        }
        let flagged = plan.placements.iter().any(|p| p.codes().contains(&"OVER_CAPACITY"));
        prop_assert_eq!(flagged, overflow(&days, &limits) > 0);
    }

    #[test]
    fn an_event_never_delays_a_release_related_to_it(
        releases in proptest::collection::vec(release(24 * 30), 1..20),
        events in events(0..8),
        extra in event(),
        max_delay_days in 0u32..30,
    ) {
        // Ample capacity: only the model decides.
        let limits = Limits { max_delay_days, per_day: 100, per_week: 700 };
        let without = schedule(&releases, &events, &limits, &Model::default(), now());
        let mut with_events = events.clone();
        with_events.push(extra.clone());
        let with = schedule(&releases, &with_events, &limits, &Model::default(), now());
        for ((release, before), after) in releases.iter().zip(&without.placements).zip(&with.placements) {
            if extra.topics.shares_any(&release.topics) {
                prop_assert!(after.at() <= before.at(), "{} then {}", before.explain(), after.explain());
            }
        }
    }

    #[test]
    fn small_instances_are_within_one_percent_of_the_optimum(
        releases in proptest::collection::vec(release(24 * 4), 1..=3),
        events in events(0..4),
        limits in limits(1),
    ) {
        let model = Model::default();
        let plan = schedule(&releases, &events, &limits, &model, now());
        let event_refs: Vec<&Event> = events.iter().collect();
        let curves: Vec<(Window, Vec<f64>)> = releases
            .iter()
            .map(|r| {
                let window = Window::of(r, &limits, now());
                (window, model.readership_curve(r.ready, &r.topics, &window, &event_refs))
            })
            .collect();
        // Every combination of hours: fewest releases over the limits
        // first, then most readers.
        let mut best: Option<(u32, f64)> = None;
        let mut choice = vec![0usize; releases.len()];
        loop {
            let days: Vec<i64> = choice
                .iter()
                .zip(&curves)
                .map(|(&i, (window, _))| window.earliest.plus_hours(i as i64).day())
                .collect();
            let readership: f64 = choice.iter().zip(&curves).map(|(&i, (_, curve))| curve[i]).sum();
            let candidate = (overflow(&days, &limits), readership);
            if best.is_none_or(|(o, r)| candidate.0 < o || (candidate.0 == o && candidate.1 > r)) {
                best = Some(candidate);
            }
            // Next combination.
            let mut k = 0;
            while k < choice.len() {
                choice[k] += 1;
                if choice[k] < curves[k].1.len() {
                    break;
                }
                choice[k] = 0;
                k += 1;
            }
            if k == choice.len() {
                break;
            }
        }
        let (best_overflow, best_readership) = best.unwrap();
        let days: Vec<i64> = plan.placements.iter().map(|p| p.at().day()).collect();
        prop_assert_eq!(overflow(&days, &limits), best_overflow);
        prop_assert!(plan.readership >= 0.99 * best_readership, "{} < {}", plan.readership, best_readership);
        // The placements' readership is the model's.
        for ((release, placed), (window, curve)) in releases.iter().zip(&plan.placements).zip(&curves) {
            let i = placed.at().hours_since(window.earliest) as usize;
            prop_assert!((curve[i] - placed.readership()).abs() < 1e-12, "{}", release.id);
        }
    }
}

/// The calendar: the 2016 Summer Olympics and the US election
/// (with its campaign's final weeks), as an iCalendar file.
const CALENDAR_2016: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//trove//tests//EN\r\n\
BEGIN:VEVENT\r\nUID:olympics-2016\r\nDTSTAMP:20160101T000000Z\r\nSUMMARY:Olympic Games\r\n\
DTSTART;VALUE=DATE:20160805\r\nDTEND;VALUE=DATE:20160822\r\nCATEGORIES:sport,olympics\r\n\
X-TROVE-ATTENTION:0.8\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:campaign-2016\r\nDTSTAMP:20160101T000000Z\r\nSUMMARY:US election campaign\r\n\
DTSTART;VALUE=DATE:20161001\r\nDTEND;VALUE=DATE:20161108\r\nCATEGORIES:election,politics\r\n\
X-TROVE-ATTENTION:0.5\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:election-2016\r\nDTSTAMP:20160101T000000Z\r\nSUMMARY:US presidential election\r\n\
DTSTART;VALUE=DATE:20161108\r\nDTEND;VALUE=DATE:20161109\r\nCATEGORIES:election,politics\r\n\
X-TROVE-ATTENTION:0.9\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

#[test]
fn the_olympics_delay_an_unrelated_release_and_the_campaign_draws_a_related_one() {
    let imported = trove_schedule::parse_ics(CALENDAR_2016, Attention::new(0.5).unwrap()).unwrap();
    assert_eq!(imported.events.len(), 3);
    let hour = |t: &str| t.parse::<Hour>().unwrap();
    let releases = [
        Release {
            id: "ministry-mail".into(),
            ready: hour("2016-08-06T10"),
            topics: Topics::new(["banks"]),
            embargo_until: None,
        },
        Release {
            id: "campaign-mail".into(),
            ready: hour("2016-10-12T10"),
            topics: Topics::new(["election"]),
            embargo_until: None,
        },
        Release {
            id: "hospital-records".into(),
            ready: hour("2016-10-12T10"),
            topics: Topics::new(["health"]),
            embargo_until: None,
        },
    ];
    let plan = schedule(
        &releases,
        &imported.events,
        &Limits::default(),
        &Model::default(),
        hour("2016-08-01"),
    );
    let [mail, campaign, hospital] = &plan.placements[..] else {
        panic!()
    };
    assert!(mail.at() >= hour("2016-08-22"), "{}", mail.explain());
    assert!(mail.codes().contains(&"EVENT"), "{}", mail.explain());
    assert!(
        mail.explain().contains("Olympic Games 2016-08-05..2016-08-21"),
        "{}",
        mail.explain()
    );
    assert!(campaign.at() < hour("2016-10-14"), "{}", campaign.explain());
    assert!(campaign.codes().contains(&"RELATED_EVENT"), "{}", campaign.explain());
    // The unrelated one waits out the campaign's attention, within its bound.
    assert!(hospital.at() > campaign.at(), "{}", hospital.explain());
    assert!(hospital.delay_hours() <= 30 * 24);
}
