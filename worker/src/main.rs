//! # verity-worker
//!
//! The Verity worker daemon and the user CLI in one binary.
//!
//! - `verity-worker run`: stake, then train, audit, replicate and keep jobs on the chain,
//!   serving checkpoints and weights over HTTP ([`roles`]).
//! - `verity-worker dataset|model|job|worker ...`: publish a dataset, register a model,
//!   post and follow a job, download a verified model ([`cli`]).
//!
//! Modules, in pipeline order: [`chain`] (client, codegen, submission), [`jobs`] (reading a
//! job's references), [`content`] (fetch and verify files), [`engine`] (verity-ml runs),
//! [`store`] (state on disk), [`serve`] (HTTP), [`metrics`], [`roles`]; [`fault`] is the
//! fault injection of test builds.

mod chain;
mod cli;
mod content;
mod engine;
mod fault;
mod jobs;
mod metrics;
mod roles;
mod serve;
mod store;

use clap::Parser;

/// See [`verity_ml::Allocator`]: training is allocation-heavy.
#[global_allocator]
static ALLOCATOR: verity_ml::Allocator = verity_ml::Allocator;

#[tokio::main]
async fn main() -> std::process::ExitCode {
	let args = cli::Cli::parse();
	cli::init_logging(args.log_format);
	match cli::run(args).await {
		Ok(()) => std::process::ExitCode::SUCCESS,
		Err(e) => {
			eprintln!("error: {e:#}");
			std::process::ExitCode::FAILURE
		}
	}
}
