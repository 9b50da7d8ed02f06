//! Tests, by topic. Every test runs in `ExtBuilder::build_and_execute`, which checks the
//! pallet's invariants (`do_try_state`) after it.

mod audit_odds;
mod disputes;
mod inference;
mod lineage;
mod loopholes;
mod params;
mod strategies;
mod training;
mod workers;
