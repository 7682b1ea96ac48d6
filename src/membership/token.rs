//! The operational ring: the token going round, carrying the casts.
//!
//! totemsrp's token processing, reduced: a member takes a token that is new
//! for its ring (a greater hop count than the last it saw), delivers what
//! the token carries that it has not delivered yet, drops its own messages
//! that have been round the whole ring, appends its queued casts and
//! passes the token on (or, the representative of an idle ring, holds it
//! for `hold`). A token passed on and not seen again is retransmitted, so a
//! single lost packet does not break the ring.

use std::sync::Arc;

use sim::Instant;

use super::{Msg, Output, Sink, State, Timer, Token, Totem};

impl<P: Clone> Totem<P> {
    pub(super) fn on_token(&mut self, now: Instant, token: Token<P>, out: &mut impl Sink<P>) {
        let State::Operational { ring, last_hop, .. } = &self.state else {
            return;
        };
        if token.ring != *ring || token.hop <= *last_hop {
            return;
        }
        self.take_token(now, token, out);
    }

    /// Mirrors totemsrp's token processing: deliver what is new, drop what
    /// has been round the ring, append our casts, pass it on (or hold it).
    pub(super) fn take_token(&mut self, now: Instant, mut token: Token<P>, out: &mut impl Sink<P>) {
        let us = self.us;
        let hold = self.cfg.hold;
        let State::Operational {
            members,
            last_hop,
            delivered,
            token: held,
            ..
        } = &mut self.state
        else {
            return;
        };
        *last_hop = token.hop;
        self.timers.set(Timer::TokenLoss, now + self.token_timeout);
        self.timers.stop(Timer::TokenRetransmit);
        for e in &token.log {
            let (seq, from, ref p) = **e;
            if seq > *delivered {
                *delivered = seq;
                out.push(Output::Deliver {
                    from,
                    payload: p.clone(),
                });
            }
        }
        // Most tokens carry nothing and pick nothing up: skip the calls.
        if !token.log.is_empty() {
            token.log.retain(|e| e.1 != us);
        }
        if !self.pending.is_empty() {
            for p in self.pending.drain(..) {
                token.seq += 1;
                *delivered = token.seq;
                out.push(Output::Deliver {
                    from: us,
                    payload: p.clone(),
                });
                token.log.push(Arc::new((token.seq, us, p)));
            }
        }
        let idle = token.log.is_empty();
        let is_rep = members.first() == Some(&us);
        *held = Some(token);
        if idle && is_rep && members.len() > 1 {
            self.timers.set(Timer::TokenHold, now + hold);
        } else if members.len() > 1 {
            self.pass_token(now, out);
        } else {
            // Alone: the token only carries our own casts.
            self.timers.set(Timer::TokenHold, now + hold);
        }
    }

    fn pass_token(&mut self, now: Instant, out: &mut impl Sink<P>) {
        let retransmit = self.token_retransmit;
        let State::Operational {
            next,
            token: Some(token),
            last_hop,
            ..
        } = &mut self.state
        else {
            return;
        };
        token.hop += 1;
        *last_hop = token.hop;
        out.push(Output::Send {
            to: *next,
            msg: Msg::Token(sendable(token)),
        });
        self.timers.set(Timer::TokenRetransmit, now + retransmit);
    }

    pub(super) fn on_token_retransmit(&mut self, now: Instant, out: &mut impl Sink<P>) {
        if !self.unacked.is_empty() {
            // A representative still waiting for members to take its ring.
            for (&to, msg) in &self.unacked {
                out.push(Output::Send {
                    to,
                    msg: msg.clone(),
                });
            }
            self.timers
                .set(Timer::TokenRetransmit, now + self.token_retransmit);
            return;
        }
        let State::Operational {
            next,
            token: Some(token),
            ..
        } = &mut self.state
        else {
            return;
        };
        out.push(Output::Send {
            to: *next,
            msg: Msg::Token(sendable(token)),
        });
        self.timers
            .set(Timer::TokenRetransmit, now + self.token_retransmit);
    }

    pub(super) fn on_token_hold(&mut self, now: Instant, out: &mut impl Sink<P>) {
        let alone = matches!(&self.state, State::Operational { members, .. } if members.len() == 1);
        if alone {
            // A ring of one: take our own token again, which delivers our casts.
            let held = match &mut self.state {
                State::Operational { token, .. } => token.take(),
                _ => None,
            };
            if let Some(mut t) = held {
                t.hop += 1;
                self.take_token(now, t, out);
            }
        } else {
            self.pass_token(now, out);
        }
    }
}

/// A copy of the token to send, the holder keeping its own: a clone, without
/// calling `Vec::clone` for the empty log most tokens carry (an idle ring's
/// every pass).
fn sendable<P>(token: &Token<P>) -> Token<P> {
    Token {
        log: if token.log.is_empty() {
            Vec::new()
        } else {
            token.log.clone()
        },
        ..*token
    }
}
