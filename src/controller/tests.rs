//! A lone controller driven by hand: its casts come back to it as cluster
//! deliveries (CPG loops a node's own messages back), and the test plays
//! its executor.

use std::sync::Arc;

use sim::{Duration, Instant, NodeId};

use super::*;
use crate::executor::{OpResult, OpStatus};

fn cib() -> Arc<Cib> {
    let text = r#"<cib admin_epoch="0" epoch="1" num_updates="0" validate-with="pacemaker-3.0">
  <configuration>
    <crm_config><cluster_property_set id="o">
      <nvpair id="o1" name="stonith-enabled" value="false"/>
    </cluster_property_set></crm_config>
    <nodes><node id="1" uname="n1"/></nodes>
    <resources>
      <primitive id="a" class="ocf" provider="heartbeat" type="Dummy"/>
    </resources>
    <constraints/>
  </configuration>
  <status/>
</cib>"#;
    Arc::new(crate::cib::from_str(text).unwrap_or_else(|e| panic!("{e}")))
}

/// One controller and what reached its executor.
struct Lone {
    c: Controller,
    now: Instant,
    /// Operations handed to the executor and not answered, by call.
    running: Vec<(u64, executor::Op)>,
    notes: Vec<String>,
}

impl Lone {
    fn new() -> Lone {
        let now = Instant::ZERO;
        let cfg = Config {
            nodes: vec!["n1".into()],
            cib: cib(),
            epoch_base: 0,
        };
        let c = Controller::new(&cfg, NodeId(1), now, [0; 32]);
        let mut l = Lone {
            c,
            now,
            running: Vec::new(),
            notes: Vec::new(),
        };
        l.input(Input::Start);
        l.input(Input::Membership {
            members: vec!["n1".into()],
            quorate: true,
        });
        l
    }

    /// Feeds an input and loops its casts back until quiet.
    fn input(&mut self, input: Input) {
        let mut queue = vec![input];
        while let Some(i) = queue.pop() {
            for o in self.c.handle(self.now, i) {
                match o {
                    Output::Cast(msg) => queue.insert(
                        0,
                        Input::Deliver {
                            from: "n1".into(),
                            msg: Arc::new(msg),
                        },
                    ),
                    Output::Exec { call, op } => self.running.push((call, op)),
                    Output::Note(n) => self.notes.push(n),
                    _ => {}
                }
            }
        }
    }

    /// Moves the clock to the controller's next timer and fires it.
    fn wake(&mut self) {
        self.now = self.c.next_deadline().expect("a timer");
        self.input(Input::Wake);
    }

    /// Answers every operation handed to the executor so far, except the
    /// ones `lose` picks.
    fn answer(&mut self, lose: impl Fn(&executor::Op) -> bool) {
        self.now += Duration::from_millis(100);
        for (i, (call, op)) in std::mem::take(&mut self.running).into_iter().enumerate() {
            if lose(&op) {
                continue;
            }
            let rc = if &*op.action == "monitor" && op.interval_ms == 0 {
                7
            } else {
                0
            };
            self.input(Input::Executed(OpResult {
                call,
                call_id: 100 + i as u64,
                op,
                status: OpStatus::Done,
                rc,
            }));
        }
    }
}

/// A start whose result never comes back is recorded as timed out, and the
/// next transition stops the resource where it may be running
/// (`controld_record_action_timeout`), rather than believing it stopped.
#[test]
fn a_lost_result_is_recorded_as_a_timeout_and_recovered() {
    let mut l = Lone::new();
    l.wake(); // dc-deadtime: it elects itself
    assert!(l.c.is_dc(), "{:?}", l.notes);
    assert!(
        l.running.is_empty(),
        "no scheduler run in the second after the join"
    );
    l.wake(); // the join's CIB writes are done: the first transition
    l.answer(|_| false); // probes: not running
    assert!(
        l.running
            .iter()
            .any(|(_, op)| &*op.rsc == "a" && &*op.action == "start"),
        "{:?}",
        l.running
    );
    l.answer(|op| &*op.action == "start");
    assert!(l.running.is_empty());
    l.wake(); // the start's timeout plus cluster-delay
    assert!(
        l.notes
            .iter()
            .any(|n| n == "a_start_0 n1: no answer in time"),
        "{:?}",
        l.notes
    );
    let st =
        l.c.cib()
            .status
            .node_states
            .iter()
            .find(|s| s.uname.as_deref() == Some("n1"));
    let ops = &st.expect("n1's state").lrm.as_ref().expect("history")[0].ops;
    assert!(
        ops.iter()
            .any(|o| o.op_status == Some(2) && o.operation == "start"),
        "{ops:?}"
    );
    assert!(
        l.running
            .iter()
            .any(|(_, op)| &*op.rsc == "a" && &*op.action == "stop"),
        "recovery starts with a stop where it may run: {:?}",
        l.running
    );
}
