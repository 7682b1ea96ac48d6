//! The executor and the simulated agents, driven together on virtual time.

use super::agents::rc;
use super::*;

/// An executor wired to a node's agents.
struct Node {
    exec: Executor,
    agents: Agents,
    now: Instant,
    results: Vec<(Instant, OpResult)>,
}

impl Node {
    fn new(timings: Timings) -> Node {
        Node {
            exec: Executor::new(NodeId(1), Instant::ZERO),
            agents: Agents::new(timings),
            now: Instant::from_nanos(0),
            results: Vec::new(),
        }
    }

    fn feed(&mut self, input: Input) {
        let outs = self.exec.handle(self.now, input);
        for o in outs {
            match o {
                Output::Run(r) => self.agents.request(self.now, r),
                Output::Abandon(t) => self.agents.abandon(t),
                Output::Result(r) => self.results.push((self.now, r)),
            }
        }
    }

    fn exec(&mut self, call: u64, rsc: &str, action: &str, interval_ms: u64) {
        let op = Op {
            rsc: rsc.into(),
            agent: "Dummy".into(),
            action: action.into(),
            interval_ms,
            timeout: Duration::from_secs(20),
            stonith: false,
        };
        self.feed(Input::Exec { call, op });
    }

    /// Runs until `end`, delivering agent results and executor timers.
    fn run_until_ms(&mut self, end_ms: u64) {
        let end = Instant::from_nanos(end_ms * 1_000_000);
        loop {
            let next = [self.agents.next_deadline(), self.exec.next_deadline()]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(t) if t <= end => {
                    self.now = t;
                    for d in self.agents.on_wake(t) {
                        self.feed(Input::Agent(d));
                    }
                    self.feed(Input::Wake);
                }
                _ => break,
            }
        }
        self.now = end;
    }

    fn seen(&self) -> Vec<(u64, String, i32, OpStatus)> {
        self.results
            .iter()
            .map(|(t, r)| {
                (
                    t.as_nanos() / 1_000_000,
                    format!("{}_{}_{}", r.op.rsc, r.op.action, r.op.interval_ms),
                    r.rc,
                    r.status,
                )
            })
            .collect()
    }
}

fn timings(entries: &[(&str, AgentTimings)]) -> Timings {
    Timings(entries.iter().map(|(k, t)| (k.to_string(), *t)).collect())
}

#[test]
fn timings_come_from_resource_then_agent_then_default() {
    let t = timings(&[
        (
            "default",
            AgentTimings {
                start: Some(Duration::from_secs(2)),
                ..Default::default()
            },
        ),
        (
            "apache",
            AgentTimings {
                start: Some(Duration::from_secs(4)),
                ..Default::default()
            },
        ),
        (
            "web2",
            AgentTimings {
                start: Some(Duration::from_secs(9)),
                ..Default::default()
            },
        ),
    ]);
    assert_eq!(t.of("web1", "apache", "start"), Duration::from_secs(4));
    assert_eq!(t.of("web2", "apache", "start"), Duration::from_secs(9));
    assert_eq!(t.of("db", "pgsql", "start"), Duration::from_secs(2));
    assert_eq!(t.of("db", "pgsql", "stop"), Duration::from_secs(1));
    assert_eq!(t.of("db", "pgsql", "monitor"), Duration::from_millis(50));
}

#[test]
fn probe_start_and_recurring_monitor_report_what_runs() {
    let mut n = Node::new(Timings::default());
    n.exec(1, "vip", "monitor", 0);
    n.exec(2, "vip", "start", 0);
    n.exec(3, "vip", "monitor", 10_000);
    n.run_until_ms(35_000);
    assert_eq!(
        n.seen(),
        [
            (50, "vip_monitor_0".into(), rc::NOT_RUNNING, OpStatus::Done),
            (1050, "vip_start_0".into(), rc::OK, OpStatus::Done),
            // Recurring: the first result only, then changes.
            (1100, "vip_monitor_10000".into(), rc::OK, OpStatus::Done),
        ]
    );
    assert_eq!(n.agents.active().get("vip"), Some(&Activity::Started));
}

#[test]
fn an_injected_monitor_failure_kills_the_service_and_is_reported_once() {
    let mut n = Node::new(Timings::default());
    n.exec(1, "db", "start", 0);
    n.exec(2, "db", "monitor", 10_000);
    n.run_until_ms(5_000);
    n.agents.inject("db", "monitor", rc::NOT_RUNNING, 1);
    n.run_until_ms(40_000);
    let seen = n.seen();
    assert_eq!(
        seen[2],
        (
            11_100,
            "db_monitor_10000".into(),
            rc::NOT_RUNNING,
            OpStatus::Done
        )
    );
    assert_eq!(
        seen.len(),
        3,
        "later monitors also say not running: no new report"
    );
    assert!(n.agents.active().is_empty());
}

#[test]
fn a_slow_operation_times_out_and_never_takes_effect() {
    let slow = AgentTimings {
        start: Some(Duration::from_secs(30)),
        ..Default::default()
    };
    let mut n = Node::new(timings(&[("default", slow)]));
    n.exec(1, "web", "start", 0);
    n.run_until_ms(60_000);
    assert_eq!(
        n.seen(),
        [(20_000, "web_start_0".into(), 1, OpStatus::TimedOut)]
    );
    assert!(
        n.agents.active().is_empty(),
        "an abandoned start does not start the service"
    );
}

#[test]
fn operations_on_one_resource_run_one_at_a_time() {
    let mut n = Node::new(Timings::default());
    n.exec(1, "a", "start", 0);
    n.exec(2, "a", "stop", 0);
    n.exec(3, "b", "start", 0);
    n.run_until_ms(5_000);
    let seen = n.seen();
    assert_eq!(seen[0], (1000, "a_start_0".into(), 0, OpStatus::Done));
    assert_eq!(seen[1], (1000, "b_start_0".into(), 0, OpStatus::Done));
    assert_eq!(seen[2], (2000, "a_stop_0".into(), 0, OpStatus::Done));
    assert_eq!(n.agents.active().keys().collect::<Vec<_>>(), ["b"]);
}

#[test]
fn a_cancelled_monitor_stops_repeating() {
    let mut n = Node::new(Timings::default());
    n.exec(1, "a", "start", 0);
    n.exec(2, "a", "monitor", 10_000);
    n.run_until_ms(2_000);
    n.feed(Input::Cancel {
        rsc: "a".into(),
        action: "monitor".into(),
        interval_ms: 10_000,
    });
    assert_eq!(n.seen().last().unwrap().3, OpStatus::Cancelled);
    n.agents.inject("a", "monitor", rc::NOT_RUNNING, 1);
    n.run_until_ms(60_000);
    assert_eq!(
        n.agents.active().get("a"),
        Some(&Activity::Started),
        "no monitor ran after the cancel"
    );
}

#[test]
fn promote_demote_and_a_halt() {
    let mut n = Node::new(Timings::default());
    n.exec(1, "db", "start", 0);
    n.exec(2, "db", "promote", 0);
    n.exec(3, "db", "monitor", 0);
    n.run_until_ms(5_000);
    assert_eq!(n.seen()[2].2, rc::RUNNING_PROMOTED);
    n.exec(4, "db", "demote", 0);
    n.run_until_ms(7_000);
    assert_eq!(n.agents.active().get("db"), Some(&Activity::Started));
    n.agents.halt();
    assert!(n.agents.active().is_empty());
    n.exec(5, "db", "promote", 0);
    n.run_until_ms(9_000);
    assert_eq!(
        n.seen().last().unwrap().2,
        rc::NOT_RUNNING,
        "nothing to promote after a crash"
    );
}
