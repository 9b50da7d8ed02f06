//! Prometheus metrics of a worker: what it is doing, how fast it trains, what it earns.

use prometheus::{
	CounterVec, Encoder, Gauge, GaugeVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
	Registry, TextEncoder,
};

/// The worker's metrics, cheap to clone (every handle shares one registry).
#[derive(Clone)]
pub struct Metrics {
	registry: Registry,
	/// Open duties of this worker by kind (work, audit, dispute).
	pub duties: IntGaugeVec,
	/// Training steps taken.
	pub train_steps: IntCounter,
	/// Training speed of the last run, steps per second.
	pub steps_per_second: Gauge,
	/// Training speed of the last run, samples per second.
	pub samples_per_second: Gauge,
	/// Audits completed, by verdict.
	pub audits: IntCounterVec,
	/// Inference and evaluation replicas completed.
	pub replicas: IntCounter,
	/// Seconds spent replaying for disputes, by role (challenger, juror, defender).
	pub dispute_seconds: CounterVec,
	/// Keeper calls made, by call.
	pub keeper_calls: IntCounterVec,
	/// Transactions by call and outcome (`ok`, `failed`, `error`).
	pub transactions: IntCounterVec,
	/// Jobs declined before bonding (unrunnable or bad data), by reason.
	pub declined: IntCounterVec,
	/// The worker account's free and reserved balance, and its stake, in whole tokens.
	pub balance: GaugeVec,
	/// Best and finalized block numbers seen.
	pub blocks: IntGaugeVec,
	/// Reconnections to the node.
	pub reconnects: IntGauge,
}

impl Metrics {
	/// Registers every metric.
	pub fn new() -> anyhow::Result<Self> {
		let registry = Registry::new_custom(Some("verity_worker".into()), None)?;
		let duties = IntGaugeVec::new(Opts::new("duties", "open duties by kind"), &["kind"])?;
		let train_steps = IntCounter::new("train_steps_total", "training steps taken")?;
		let steps_per_second = Gauge::new("train_steps_per_second", "training steps per second")?;
		let samples_per_second =
			Gauge::new("train_samples_per_second", "training samples per second")?;
		let audits =
			IntCounterVec::new(Opts::new("audits_total", "audits by verdict"), &["verdict"])?;
		let replicas = IntCounter::new("replicas_total", "inference/evaluation replicas run")?;
		let dispute_seconds = CounterVec::new(
			Opts::new("dispute_seconds_total", "seconds spent replaying for disputes, by role"),
			&["role"],
		)?;
		let keeper_calls =
			IntCounterVec::new(Opts::new("keeper_calls_total", "keeper calls"), &["call"])?;
		let transactions = IntCounterVec::new(
			Opts::new("transactions_total", "transactions by call and outcome"),
			&["call", "outcome"],
		)?;
		let declined =
			IntCounterVec::new(Opts::new("declined_total", "jobs declined"), &["reason"])?;
		let balance =
			GaugeVec::new(Opts::new("balance_tokens", "balance and stake in tokens"), &["kind"])?;
		let blocks = IntGaugeVec::new(Opts::new("block_number", "best and finalized"), &["kind"])?;
		let reconnects = IntGauge::new("reconnects", "reconnections to the node")?;
		registry.register(Box::new(duties.clone()))?;
		registry.register(Box::new(train_steps.clone()))?;
		registry.register(Box::new(steps_per_second.clone()))?;
		registry.register(Box::new(samples_per_second.clone()))?;
		registry.register(Box::new(audits.clone()))?;
		registry.register(Box::new(replicas.clone()))?;
		registry.register(Box::new(dispute_seconds.clone()))?;
		registry.register(Box::new(keeper_calls.clone()))?;
		registry.register(Box::new(transactions.clone()))?;
		registry.register(Box::new(declined.clone()))?;
		registry.register(Box::new(balance.clone()))?;
		registry.register(Box::new(blocks.clone()))?;
		registry.register(Box::new(reconnects.clone()))?;
		Ok(Self {
			registry,
			duties,
			train_steps,
			steps_per_second,
			samples_per_second,
			audits,
			replicas,
			dispute_seconds,
			keeper_calls,
			transactions,
			declined,
			balance,
			blocks,
			reconnects,
		})
	}

	/// The Prometheus text exposition of every metric.
	pub fn render(&self) -> String {
		let mut out = Vec::new();
		if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
			tracing::warn!(error = %e, "metrics encoding failed");
		}
		String::from_utf8(out).unwrap_or_default()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn renders_every_family_with_the_prefix() {
		let m = Metrics::new().unwrap();
		m.duties.with_label_values(&["work"]).set(1);
		m.train_steps.inc_by(5);
		m.audits.with_label_values(&["pass"]).inc();
		let text = m.render();
		assert!(text.contains("verity_worker_duties{kind=\"work\"} 1"), "{text}");
		assert!(text.contains("verity_worker_train_steps_total 5"));
		assert!(text.contains("verity_worker_audits_total{verdict=\"pass\"} 1"));
	}
}
