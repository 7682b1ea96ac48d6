//! The policy engine: a pure function from a CIB to a transition graph.
