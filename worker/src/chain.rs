//! The chain client: static types generated from the runtime's metadata snapshot, a
//! reconnecting connection, the compatibility check at start, and transaction submission
//! with a local nonce and errors shown by name.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use subxt::config::{DefaultExtrinsicParamsBuilder, RpcConfigFor};
use subxt::error::{DispatchError, TransactionEventsError};
use subxt::extrinsics::ExtrinsicEvents;
use subxt::rpcs::client::reconnecting_rpc_client::ExponentialBackoff;
use subxt::rpcs::client::ReconnectingRpcClient;
use subxt::rpcs::{LegacyRpcMethods, RpcClient};
use subxt::tx::{Payload, TransactionStatus};
use subxt::utils::AccountId32;
use subxt::{OnlineClient, OnlineClientAtBlock, SubstrateConfig};
use subxt_signer::sr25519::Keypair;
use tokio::sync::Mutex;

/// The chain's static interface, generated from `metadata/verity.scale` (a snapshot of the
/// runtime's metadata V16; `scripts/metadata.sh` regenerates it and the runtime's
/// `worker_metadata` test fails when it is stale). The types the chain and the ML crate
/// share are the primitives crate's own, so both sides decode one definition.
#[subxt::subxt(
	runtime_metadata_path = "metadata/verity.scale",
	derive_for_all_types = "Clone",
	derive_for_type(
		path = "pallet_compute::types::JobOutput",
		derive = "codec::Encode, codec::Decode, PartialEq, Eq",
		recursive
	),
	derive_for_type(
		path = "pallet_compute::types::Duty",
		derive = "PartialEq, Eq, Hash, PartialOrd, Ord",
		recursive
	),
	substitute_type(
		path = "verity_primitives::content::ContentHash",
		with = "::subxt::utils::Static<::verity_primitives::ContentHash>"
	),
	substitute_type(
		path = "verity_primitives::architecture::ArchitectureSpec",
		with = "::subxt::utils::Static<::verity_primitives::ArchitectureSpec>"
	),
	substitute_type(
		path = "verity_primitives::listing::DatasetFormat",
		with = "::subxt::utils::Static<::verity_primitives::DatasetFormat>"
	),
	substitute_type(
		path = "verity_primitives::listing::Licence",
		with = "::subxt::utils::Static<::verity_primitives::Licence>"
	),
	substitute_type(
		path = "verity_primitives::listing::Uri",
		with = "::subxt::utils::Static<::verity_primitives::Uri>"
	)
)]
pub mod verity {}

pub use verity::runtime_types::pallet_compute::types as compute_types;

/// The chain configuration: Verity signs like a plain Substrate chain (its extra
/// transaction extensions carry no data).
pub type Config = SubstrateConfig;

/// A client pinned to one block.
pub type AtBlock = OnlineClientAtBlock<Config>;

/// Planck per token (12 decimals).
pub const UNIT: u128 = 1_000_000_000_000;

/// The metadata this worker was built against.
pub static METADATA: &[u8] = include_bytes!("../metadata/verity.scale");

/// An error the runtime returned for a transaction, by name.
#[derive(Debug, thiserror::Error)]
#[error("{pallet}.{name}{reason}: {docs}")]
pub struct RuntimeError {
	/// The pallet, e.g. `Compute`.
	pub pallet: String,
	/// The error variant, e.g. `TooEarly`.
	pub name: String,
	/// What the error carries, e.g. `(UnsupportedScheme)` for `InvalidUri`; empty if nothing.
	pub reason: String,
	/// The variant's documentation.
	pub docs: String,
}

/// A connection to a node.
#[derive(Clone)]
pub struct Chain {
	/// The subxt client.
	pub api: OnlineClient<Config>,
	legacy: LegacyRpcMethods<RpcConfigFor<Config>>,
}

impl Chain {
	/// Connects to `url` (ws:// or wss://) with a client that reconnects after the node
	/// restarts, retrying the first connection for up to `patience`.
	pub async fn connect(url: &str, patience: Duration) -> anyhow::Result<Self> {
		let started = std::time::Instant::now();
		loop {
			// The reconnecting client keeps retrying a refused first connection; bound it.
			let attempt = tokio::time::timeout(Duration::from_secs(5), Self::try_connect(url))
				.await
				.unwrap_or_else(|_| Err(anyhow::anyhow!("no answer within 5 s")));
			match attempt {
				Ok(chain) => return Ok(chain),
				Err(e) if started.elapsed() < patience => {
					tracing::warn!(url, error = %e, "node not reachable yet; retrying");
					tokio::time::sleep(Duration::from_secs(2)).await;
				}
				Err(e) => return Err(e.context(format!("cannot connect to the node at {url}"))),
			}
		}
	}

	async fn try_connect(url: &str) -> anyhow::Result<Self> {
		let inner = ReconnectingRpcClient::builder()
			.retry_policy(ExponentialBackoff::from_millis(100).max_delay(Duration::from_secs(5)))
			.request_timeout(Duration::from_secs(60))
			.build(url.to_owned())
			.await
			.map_err(|e| anyhow::anyhow!("{e}"))?;
		let rpc = RpcClient::new(inner);
		let api = OnlineClient::<Config>::from_rpc_client(rpc.clone()).await?;
		let legacy = LegacyRpcMethods::new(rpc);
		Ok(Self { api, legacy })
	}

	/// Refuses a node whose runtime does not match the metadata this binary was built
	/// against (the pallets and runtime APIs the worker uses), naming both versions.
	pub async fn check_compatible(&self) -> anyhow::Result<()> {
		let at = self.api.at_current_block().await?;
		let built = built_spec_version();
		let live = at.spec_version();
		if !verity::is_codegen_valid_for(at.metadata_ref()) {
			anyhow::bail!(
				"the node runs runtime spec version {live}, but this verity-worker was built for \
				 spec version {} with different calls, storage or runtime APIs: use the \
				 verity-worker release that matches the node (or rebuild it after \
				 scripts/metadata.sh)",
				built.map(|v| v.to_string()).unwrap_or_else(|| "?".into())
			);
		}
		if built.is_some_and(|b| b != live) {
			tracing::warn!(
				built = ?built,
				live,
				"runtime spec version differs from the one this worker was built for, but every \
				 call, storage item and runtime API it uses is unchanged"
			);
		}
		Ok(())
	}

	/// The latest finalized block.
	pub async fn finalized(&self) -> anyhow::Result<AtBlock> {
		Ok(self.api.at_current_block().await?)
	}

	/// The finalized block, once block `number` is finalized (or an error at `deadline`).
	pub async fn finalized_from(
		&self,
		number: u64,
		deadline: tokio::time::Instant,
	) -> anyhow::Result<AtBlock> {
		loop {
			let finalized = self.finalized().await?;
			if finalized.block_number() >= number {
				return Ok(finalized);
			}
			anyhow::ensure!(
				tokio::time::Instant::now() < deadline,
				"block #{number} not finalized in time"
			);
			tokio::time::sleep(Duration::from_millis(500)).await;
		}
	}

	/// The next nonce of `who`, counting transactions in the node's pool.
	pub async fn next_nonce(&self, who: &AccountId32) -> anyhow::Result<u64> {
		Ok(self.legacy.system_account_next_index(who).await?)
	}

	/// The free balance of an account.
	pub async fn free_balance(&self, at: &AtBlock, who: &AccountId32) -> anyhow::Result<u128> {
		let account =
			at.storage().fetch(verity::storage().system().account(), (*who,)).await?.decode()?;
		Ok(account.data.free)
	}

	/// What an account has earned and not yet claimed (the rewards pallet's books).
	pub async fn accrued(&self, at: &AtBlock, who: &AccountId32) -> anyhow::Result<u128> {
		match at.storage().try_fetch(verity::storage().rewards().accrued(), (*who,)).await? {
			Some(value) => Ok(value.decode()?),
			None => Ok(0),
		}
	}
}

/// The spec version recorded in the built-in metadata (System's `Version` constant).
pub fn built_spec_version() -> Option<u32> {
	use subxt::ext::codec::Decode;
	let metadata = subxt::Metadata::decode_from(METADATA).ok()?;
	let pallet = metadata.pallet_by_name("System")?;
	let constant = pallet.constant_by_name("Version")?;
	// RuntimeVersion: spec_name (String), impl_name (String), authoring_version (u32),
	// spec_version (u32), ...
	let mut bytes = constant.value();
	let _spec_name = String::decode(&mut bytes).ok()?;
	let _impl_name = String::decode(&mut bytes).ok()?;
	let _authoring = u32::decode(&mut bytes).ok()?;
	u32::decode(&mut bytes).ok()
}

/// Signs and submits transactions for one account, keeping the nonce locally so several
/// transactions can go into one block (the chain state alone would give them all the same
/// nonce).
pub struct Submitter {
	chain: Chain,
	keypair: Keypair,
	account: AccountId32,
	nonce: Mutex<Option<u64>>,
}

impl Submitter {
	/// A submitter for `keypair`.
	pub fn new(chain: Chain, keypair: Keypair) -> Arc<Self> {
		let account = keypair.public_key().to_account_id();
		Arc::new(Self { chain, keypair, account, nonce: Mutex::new(None) })
	}

	/// The connection.
	pub fn chain(&self) -> &Chain {
		&self.chain
	}

	/// Submits `call` and waits until it is in a best block; returns its events, or the
	/// runtime's error by name ([`RuntimeError`]) if it failed.
	///
	/// A pool that refuses the transaction because another one of this account holds its
	/// nonce ("priority too low"), or because the nonce is already used ("outdated"), is
	/// answered by waiting for the next finalized block and asking the node for the nonce
	/// again: on a parachain, a transaction sent just before (by this process or another
	/// client of the same account) can sit on a fork being retracted, so the node's next
	/// index lags for a block or two.
	pub async fn submit<C: Payload>(
		&self,
		what: &str,
		call: &C,
	) -> anyhow::Result<ExtrinsicEvents<Config>> {
		let mut attempt = 0u32;
		loop {
			let outcome = match self.send(what, call).await {
				Ok(progress) => self.follow(what, progress).await,
				Err(e) => Err(e),
			};
			match outcome {
				Err(e) if attempt < NONCE_RETRIES && is_nonce_clash(&e) => {
					attempt = attempt.saturating_add(1);
					tracing::info!(
						call = what,
						attempt,
						error = %format!("{e:#}"),
						"nonce clash; asking again after the next finalized block"
					);
					let next = self.chain.finalized().await?.block_number().saturating_add(1);
					let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
					self.chain.finalized_from(next, deadline).await?;
				}
				other => return other,
			}
		}
	}

	/// Follows a submitted transaction until it is in a best block. The pool can refuse it
	/// here too, after accepting it: the fork-aware pool validates it again on every fork's
	/// view and drops it when another transaction of the account holds its nonce there
	/// ("The priority of the transaction is too low").
	///
	/// A transaction not in a best block after [`INCLUSION_PATIENCE`] is given up, and the
	/// next one asks the node for the nonce: when a block with an earlier transaction of
	/// this account is retracted and that transaction is not included again, the nonce
	/// counted on from it leaves a gap, and a transaction behind the gap waits in the pool
	/// for ever.
	async fn follow(
		&self,
		what: &str,
		mut progress: Progress,
	) -> anyhow::Result<ExtrinsicEvents<Config>> {
		let deadline = tokio::time::Instant::now() + INCLUSION_PATIENCE;
		loop {
			let Ok(status) = tokio::time::timeout_at(deadline, progress.next()).await else {
				*self.nonce.lock().await = None;
				anyhow::bail!(
					"{what} was not in a best block after {} s",
					INCLUSION_PATIENCE.as_secs()
				);
			};
			let Some(status) = status else { break };
			match status? {
				TransactionStatus::InBestBlock(in_block)
				| TransactionStatus::InFinalizedBlock(in_block) => {
					return match in_block.wait_for_success().await {
						Ok(events) => {
							tracing::debug!(call = what, block = ?in_block.block_hash(), "included");
							Ok(events)
						}
						Err(e) => Err(describe_failure(e).context(what.to_owned())),
					}
				}
				TransactionStatus::Invalid { message }
				| TransactionStatus::Dropped { message }
				| TransactionStatus::Error { message } => {
					*self.nonce.lock().await = None;
					anyhow::bail!("{what} was not included: {message}");
				}
				_ => {}
			}
		}
		*self.nonce.lock().await = None;
		anyhow::bail!("{what}: the node stopped reporting on the transaction")
	}

	/// Signs `call` with the next nonce and hands it to the node's pool.
	async fn send<C: Payload>(&self, what: &str, call: &C) -> anyhow::Result<Progress> {
		let mut nonce = self.nonce.lock().await;
		let next = match *nonce {
			Some(n) => n,
			None => self.chain.next_nonce(&self.account).await?,
		};
		let at = self.chain.finalized().await?;
		let params = DefaultExtrinsicParamsBuilder::<Config>::new()
			.nonce(next)
			.mortal_from_unchecked(64, at.block_number(), at.block_hash())
			.build();
		let mut signable = at
			.tx()
			.create_signable_offline(call, params)
			.with_context(|| format!("building {what}"))?;
		let tx = signable.sign(&self.keypair)?;
		match tx.submit_and_watch().await {
			Ok(progress) => {
				*nonce = Some(next.saturating_add(1));
				Ok(progress)
			}
			Err(e) => {
				// The pool refused it: ask the node again next time.
				*nonce = None;
				Err(anyhow::Error::new(e).context(format!("submitting {what} with nonce {next}")))
			}
		}
	}
}

/// A submitted transaction's status stream.
type Progress =
	subxt::tx::TransactionProgress<Config, subxt::client::OnlineClientAtBlockImpl<Config>>;

/// How long [`Submitter::submit`] waits for a transaction to be in a best block (parachain
/// blocks come every 6–12 s).
const INCLUSION_PATIENCE: Duration = Duration::from_secs(180);

/// How many times [`Submitter::submit`] asks for a fresh nonce after a clash.
const NONCE_RETRIES: u32 = 3;

/// Whether the pool refused a transaction for its nonce: another transaction of the account
/// holds it (JSON-RPC 1014 "Priority is too low" when submitting; "The priority of the
/// transaction is too low" in the status stream) or it is already used (1010, "Transaction
/// is outdated"). Matched on the node's message, which is all either form carries.
fn is_nonce_clash(error: &anyhow::Error) -> bool {
	let text = format!("{error:#}").to_lowercase();
	(text.contains("priority") && text.contains("too low")) || text.contains("outdated")
}

fn describe_failure(error: TransactionEventsError) -> anyhow::Error {
	match error {
		TransactionEventsError::ExtrinsicFailed(DispatchError::Module(module)) => {
			match module.details() {
				Ok(details) => anyhow::Error::new(RuntimeError {
					pallet: details.pallet.name().to_owned(),
					name: details.variant.name.clone(),
					reason: error_reason(&module).unwrap_or_default(),
					docs: details.variant.docs.join(" "),
				}),
				Err(_) => anyhow::anyhow!("module error {}", hex::encode(module.bytes())),
			}
		}
		TransactionEventsError::ExtrinsicFailed(other) => {
			anyhow::anyhow!("dispatch failed: {other}")
		}
		other => anyhow::Error::new(other),
	}
}

/// What a pallet error carries (`InvalidUri(UnsupportedScheme)` → `(UnsupportedScheme)`),
/// decoded against the metadata; `None` for an error without fields.
fn error_reason(module: &subxt::error::ModuleError) -> Option<String> {
	use subxt::ext::scale_value::{Composite, Value, ValueDef};
	// The runtime's outer error: `Pallet(Error(fields…))`.
	let root: Value = module.as_root_error().ok()?;
	let ValueDef::Variant(pallet) = root.value else { return None };
	let Composite::Unnamed(errors) = pallet.values else { return None };
	let ValueDef::Variant(error) = errors.into_iter().next()?.value else { return None };
	match error.values {
		Composite::Unnamed(fields) if fields.is_empty() => None,
		Composite::Named(fields) if fields.is_empty() => None,
		fields => Some(fields.to_string()),
	}
}

/// The runtime error's variant name, if `error` is one (e.g. `"TooEarly"`).
pub fn runtime_error_name(error: &anyhow::Error) -> Option<&str> {
	error.downcast_ref::<RuntimeError>().map(|e| e.name.as_str())
}

/// What a commitment commits to: the compute pallet's domain tags, hashed first, so a
/// commitment of one kind can never be revealed as another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommitKind {
	/// An auditor's `(segment, AuditReport)`.
	Audit,
	/// A replica's output.
	Output,
	/// A juror's vote.
	Vote,
}

impl CommitKind {
	/// The pallet's tag for this kind.
	pub fn tag(self) -> &'static [u8] {
		match self {
			CommitKind::Audit => b"verity/compute/audit",
			CommitKind::Output => b"verity/compute/output",
			CommitKind::Vote => b"verity/compute/vote",
		}
	}
}

/// `blake2_256(encode((kind tag, subject, who, value, salt)))`: a commitment as the compute
/// pallet computes it.
pub fn commitment(
	kind: CommitKind,
	subject: u64,
	who: &AccountId32,
	value: &impl codec::Encode,
	salt: &[u8; 32],
) -> [u8; 32] {
	use codec::Encode;
	let encoded = (kind.tag(), subject, who.0, value, salt).encode();
	let hash = blake2b_simd::Params::new().hash_length(32).hash(&encoded);
	let mut out = [0u8; 32];
	out.copy_from_slice(hash.as_bytes());
	out
}

/// A fresh random salt.
pub fn salt() -> anyhow::Result<[u8; 32]> {
	let mut salt = [0u8; 32];
	getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("no randomness for a salt: {e}"))?;
	Ok(salt)
}

/// An amount in planck as tokens, e.g. `12.5 VRTY`.
pub fn tokens(planck: u128) -> String {
	let whole = planck / UNIT;
	let frac = planck % UNIT;
	if frac == 0 {
		format!("{whole} VRTY")
	} else {
		let digits = format!("{frac:012}");
		format!("{whole}.{} VRTY", digits.trim_end_matches('0'))
	}
}

/// Parses an amount in tokens (`100`, `0.25`) into planck.
pub fn parse_tokens(text: &str) -> anyhow::Result<u128> {
	let text = text.trim().trim_end_matches("VRTY").trim();
	let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
	anyhow::ensure!(frac.len() <= 12, "{text}: at most 12 decimals");
	anyhow::ensure!(!whole.is_empty() || !frac.is_empty(), "{text:?} is not an amount of tokens");
	let parse = |s: &str| if s.is_empty() { Ok(0) } else { s.parse::<u128>() };
	let whole = parse(whole).with_context(|| format!("{text:?} is not an amount of tokens"))?;
	let frac_value = parse(frac).with_context(|| format!("{text:?} is not an amount of tokens"))?;
	let scale = 10u128.pow(12 - frac.len() as u32);
	whole
		.checked_mul(UNIT)
		.and_then(|w| w.checked_add(frac_value * scale))
		.ok_or_else(|| anyhow::anyhow!("{text} is too large"))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn token_amounts_round_trip() {
		assert_eq!(parse_tokens("100").unwrap(), 100 * UNIT);
		assert_eq!(parse_tokens("0.25").unwrap(), UNIT / 4);
		assert_eq!(parse_tokens("1.000000000001 VRTY").unwrap(), UNIT + 1);
		assert!(parse_tokens("1.0000000000001").is_err());
		assert!(parse_tokens("abc").is_err());
		assert!(parse_tokens("").is_err());
		assert_eq!(tokens(UNIT * 3 / 2), "1.5 VRTY");
		assert_eq!(tokens(7 * UNIT), "7 VRTY");
	}

	#[test]
	fn the_built_in_metadata_names_its_spec_version() {
		assert!(built_spec_version().is_some_and(|v| v >= 1));
		let metadata = subxt::Metadata::decode_from(METADATA).unwrap();
		assert!(verity::is_codegen_valid_for(&metadata));
	}

	#[test]
	fn commitments_bind_subject_account_value_and_salt() {
		let alice = AccountId32([1; 32]);
		let bob = AccountId32([2; 32]);
		let a = commitment(CommitKind::Audit, 7, &alice, &(3u32, true), &[9; 32]);
		assert_ne!(a, commitment(CommitKind::Audit, 8, &alice, &(3u32, true), &[9; 32]));
		assert_ne!(a, commitment(CommitKind::Audit, 7, &bob, &(3u32, true), &[9; 32]));
		assert_ne!(a, commitment(CommitKind::Audit, 7, &alice, &(3u32, false), &[9; 32]));
		assert_ne!(a, commitment(CommitKind::Audit, 7, &alice, &(3u32, true), &[8; 32]));
		assert_ne!(a, commitment(CommitKind::Vote, 7, &alice, &(3u32, true), &[9; 32]));
	}
}
