//! The command line: the daemon (`run`) and the user commands.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand, ValueEnum};
use subxt::utils::{AccountId32, Static};
use subxt_signer::sr25519::Keypair;
use subxt_signer::SecretUri;
use verity_primitives::{ContentHash, DatasetFormat, Licence};

use crate::chain::{self, compute_types as ct, tokens, verity, AtBlock, Chain, Submitter};
use crate::content::ContentStore;
use crate::metrics::Metrics;
use crate::roles::{self, Context};
use crate::store::DataDir;

/// The Verity worker and user CLI.
#[derive(Parser)]
#[command(name = "verity-worker", version, about)]
pub struct Cli {
	/// The node's WebSocket RPC endpoint.
	#[arg(long, global = true, env = "VERITY_NODE", default_value = "ws://127.0.0.1:9944")]
	node: String,
	/// Log format: `text` on a terminal, `json` for log collectors.
	#[arg(long, global = true, value_enum, default_value = "text")]
	pub log_format: LogFormat,
	#[command(subcommand)]
	command: Command,
}

/// How logs are written.
#[derive(Clone, Copy, ValueEnum)]
pub enum LogFormat {
	/// Human-readable lines.
	Text,
	/// One JSON object per line.
	Json,
}

/// Sets up `tracing` (level from `RUST_LOG`, default `info`).
pub fn init_logging(format: LogFormat) {
	let filter = tracing_subscriber::EnvFilter::try_from_default_env()
		.unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
	let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
	match format {
		LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
		LogFormat::Json => builder.json().init(),
	}
}

#[derive(Subcommand)]
enum Command {
	/// Runs the worker: registers (staking) if needed, then trains, audits, replicates and
	/// keeps jobs until stopped (SIGTERM/Ctrl-C stop it cleanly).
	Run(RunArgs),
	/// Datasets.
	#[command(subcommand)]
	Dataset(DatasetCommand),
	/// Models.
	#[command(subcommand)]
	Model(ModelCommand),
	/// Jobs.
	#[command(subcommand)]
	Job(JobCommand),
	/// Workers.
	#[command(subcommand)]
	Worker(WorkerCommand),
	/// Earnings: every share of a payment or slash accrues on chain until claimed.
	#[command(subcommand)]
	Rewards(RewardsCommand),
}

/// The signing key: a secret URI (`//Alice`, a mnemonic, a `0x` seed, with derivations)
/// from the command line, the environment or a file. Never logged.
#[derive(Args, Clone)]
struct KeyArgs {
	/// Secret URI of the account (prefer --key-file or VERITY_SURI: arguments are visible
	/// to other users of the machine).
	#[arg(long, env = "VERITY_SURI", hide_env_values = true)]
	suri: Option<String>,
	/// A file holding the secret URI.
	#[arg(long)]
	key_file: Option<PathBuf>,
}

impl KeyArgs {
	fn keypair(&self) -> anyhow::Result<Keypair> {
		let secret = match (&self.suri, &self.key_file) {
			(Some(s), None) => s.clone(),
			(None, Some(path)) => std::fs::read_to_string(path)
				.with_context(|| format!("reading the key file {}", path.display()))?
				.trim()
				.to_owned(),
			(Some(_), Some(_)) => anyhow::bail!("give --suri or --key-file, not both"),
			(None, None) => anyhow::bail!("no key: give --suri, --key-file or VERITY_SURI"),
		};
		let uri: SecretUri =
			secret.parse().map_err(|_| anyhow::anyhow!("the secret URI is not valid"))?;
		Keypair::from_uri(&uri).map_err(|_| anyhow::anyhow!("the secret URI does not give a key"))
	}
}

#[derive(Args)]
struct RunArgs {
	#[command(flatten)]
	key: KeyArgs,
	/// Where per-job state, checkpoints and verified files live.
	#[arg(long, default_value = "verity-worker-data")]
	data_dir: PathBuf,
	/// Address the HTTP server (checkpoints, weights) listens on.
	#[arg(long, default_value = "0.0.0.0:8700")]
	listen: SocketAddr,
	/// URL others reach the HTTP server at (registered on chain as the endpoint).
	#[arg(long)]
	public_url: Option<String>,
	/// Address of the Prometheus endpoint (`/metrics`); none if not given.
	#[arg(long)]
	metrics_addr: Option<SocketAddr>,
	/// The ML backend: `cpu`, or `gpu` (build with `--features gpu`).
	#[arg(long, value_enum, default_value = "cpu")]
	backend: BackendArg,
	/// The device name reported on chain (default: the CPU model).
	#[arg(long)]
	device: Option<String>,
	/// Memory offered to jobs, MiB.
	#[arg(long, default_value_t = 4096)]
	memory_mib: u32,
	/// The largest model (parameters) this worker accepts.
	#[arg(long, default_value_t = 5_000_000)]
	max_parameters: u64,
	/// Stake to hold when registering, in tokens.
	#[arg(long, default_value = "1000")]
	stake: String,
	/// IPFS gateway for `ipfs://` URIs, e.g. `http://127.0.0.1:8080`.
	#[arg(long)]
	ipfs_gateway: Option<String>,
	/// Do not call the permissionless settlement calls (draw_audits, process_job,
	/// process_dispute).
	#[arg(long)]
	no_keeper: bool,
	/// Replay every training result in its challenge window and challenge the first
	/// segment that does not replay (a full replay of every job: for operators who want
	/// the challenger's reward).
	#[arg(long, conflicts_with = "no_keeper")]
	watch: bool,
	/// Cheat in a named way, to test that the protocol catches it (builds with the
	/// `faults` feature only): corrupt-step=N, skip-steps=A..B, withhold-checkpoints,
	/// lazy-audit, silent. Repeatable.
	#[cfg(feature = "faults")]
	#[arg(long = "fault")]
	faults: Vec<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum BackendArg {
	Cpu,
	Gpu,
}

#[derive(Subcommand)]
enum DatasetCommand {
	/// Hashes a dataset file, checks that it reads in its format, and lists it.
	Publish {
		/// The file (as served at --uri).
		file: PathBuf,
		/// Where workers fetch it: file://, http(s)://, ipfs://.
		#[arg(long)]
		uri: String,
		/// Price per use, in tokens.
		#[arg(long, default_value = "0")]
		price: String,
		/// `idx` (IDX archive) or `csv`.
		#[arg(long, value_enum, default_value = "idx")]
		format: FormatArg,
		/// CSV: the label column (0-based).
		#[arg(long, default_value_t = 0)]
		label_column: u16,
		/// CSV: the first row names the columns.
		#[arg(long)]
		header: bool,
		/// Licence (SPDX identifier, e.g. CC-BY-4.0).
		#[arg(long, default_value = "CC0-1.0")]
		licence: String,
		/// Description.
		#[arg(long, default_value = "")]
		description: String,
		#[command(flatten)]
		key: KeyArgs,
	},
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
	Idx,
	Csv,
}

#[derive(Subcommand)]
enum ModelCommand {
	/// Registers a safetensors weights file exported by verity-ml.
	Register {
		/// The weights file.
		file: PathBuf,
		/// Where it is served.
		#[arg(long)]
		uri: String,
		/// Inference price, in tokens.
		#[arg(long, default_value = "0")]
		price: String,
		/// Licence (SPDX identifier).
		#[arg(long, default_value = "CC0-1.0")]
		licence: String,
		/// Description.
		#[arg(long, default_value = "")]
		description: String,
		#[command(flatten)]
		key: KeyArgs,
	},
	/// Downloads a model's weights, verified against the registry's hash.
	Fetch {
		/// The model id.
		id: u64,
		/// Where to write the safetensors file.
		#[arg(long)]
		out: PathBuf,
		/// IPFS gateway for ipfs:// URIs.
		#[arg(long)]
		ipfs_gateway: Option<String>,
	},
	/// Shows a model's record.
	Show {
		/// The model id.
		id: u64,
	},
}

#[derive(Subcommand)]
enum JobCommand {
	/// Posts a job: shows the quote, then holds it in escrow.
	// Boxed: a training job's arguments are most of the command's size.
	#[command(subcommand)]
	Post(Box<PostCommand>),
	/// Follows a job until it ends.
	Watch {
		/// The job id.
		id: u64,
		/// Give up after this many seconds.
		#[arg(long, default_value_t = 3600)]
		timeout: u64,
	},
}

#[derive(Args)]
struct PostArgs {
	/// The worker reward, in tokens.
	#[arg(long, default_value = "100")]
	reward: String,
	/// Blocks the worker has once assigned.
	#[arg(long, default_value_t = 600)]
	work_blocks: u32,
	/// Post without asking to confirm the quote.
	#[arg(long)]
	yes: bool,
	#[command(flatten)]
	key: KeyArgs,
}

#[derive(Subcommand)]
enum PostCommand {
	/// Train a model.
	Train {
		/// Architecture, e.g. `mlp:784-128-10:relu` or `lenet:1x28x28:10`.
		#[arg(long, conflicts_with = "fine_tune")]
		arch: Option<String>,
		/// Fine-tune this registered model instead.
		#[arg(long)]
		fine_tune: Option<u64>,
		/// Training dataset ids, read in order.
		#[arg(long = "dataset", required = true)]
		datasets: Vec<u64>,
		/// Validation dataset id.
		#[arg(long)]
		validation: Option<u64>,
		/// `sgd` or `adam`.
		#[arg(long, default_value = "sgd")]
		optimizer: String,
		/// Learning rate.
		#[arg(long, default_value_t = 0.05)]
		lr: f64,
		/// SGD momentum.
		#[arg(long, default_value_t = 0.9)]
		momentum: f64,
		/// Adam β1.
		#[arg(long, default_value_t = 0.9)]
		beta1: f64,
		/// Adam β2.
		#[arg(long, default_value_t = 0.999)]
		beta2: f64,
		/// Samples per step.
		#[arg(long, default_value_t = 64)]
		batch: u32,
		/// Optimizer steps.
		#[arg(long)]
		steps: u32,
		/// Seed of the initial weights and the data order.
		#[arg(long, default_value_t = 1)]
		seed: u64,
		/// Steps between checkpoints (K).
		#[arg(long, default_value_t = 50)]
		checkpoint_every: u32,
		/// Fraction of segments audited.
		#[arg(long, default_value_t = 0.1)]
		audit_rate: f64,
		/// Licence of the trained model.
		#[arg(long, default_value = "CC0-1.0")]
		licence: String,
		/// Inference price of the trained model, in tokens.
		#[arg(long, default_value = "0")]
		inference_price: String,
		#[command(flatten)]
		post: PostArgs,
	},
	/// Label an input file (IDX images or IDX archive) with a model.
	Infer {
		/// The model id.
		#[arg(long)]
		model: u64,
		/// The input file (hashed here).
		#[arg(long)]
		input: PathBuf,
		/// Where workers fetch the input.
		#[arg(long)]
		input_uri: String,
		/// Workers that run it independently.
		#[arg(long, default_value_t = 2)]
		replicas: u8,
		#[command(flatten)]
		post: PostArgs,
	},
	/// Score a model on a labelled dataset.
	Evaluate {
		/// The model id.
		#[arg(long)]
		model: u64,
		/// The dataset id.
		#[arg(long)]
		dataset: u64,
		/// Workers that run it independently.
		#[arg(long, default_value_t = 2)]
		replicas: u8,
		#[command(flatten)]
		post: PostArgs,
	},
}

#[derive(Subcommand)]
enum WorkerCommand {
	/// A worker's stake, counters and open duties.
	Status {
		/// The worker's account (SS58); default: the key's.
		#[arg(long)]
		account: Option<String>,
		#[command(flatten)]
		key: KeyArgs,
	},
}

#[derive(Subcommand)]
enum RewardsCommand {
	/// Pays out everything an account has accrued (the key's own, or --account's: the
	/// funds only ever go to their earner, so anyone may push them, e.g. to the treasury).
	Claim {
		/// The earner (SS58); default: the key's account.
		#[arg(long)]
		account: Option<String>,
		#[command(flatten)]
		key: KeyArgs,
	},
	/// Pays out the key's part of an ended era's emission.
	ClaimEmission {
		/// The era.
		era: u32,
		#[command(flatten)]
		key: KeyArgs,
	},
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
	let connect = |patience| Chain::connect(&cli.node, Duration::from_secs(patience));
	match cli.command {
		Command::Run(args) => {
			let chain = connect(120).await?;
			chain.check_compatible().await?;
			run_worker(chain, args).await
		}
		Command::Dataset(DatasetCommand::Publish {
			file,
			uri,
			price,
			format,
			label_column,
			header,
			licence,
			description,
			key,
		}) => {
			let format = match format {
				FormatArg::Idx => DatasetFormat::IdxArchive,
				FormatArg::Csv => DatasetFormat::Csv { label_column, has_header: header },
			};
			let (hash, samples) = tokio::task::spawn_blocking({
				let file = file.clone();
				move || -> anyhow::Result<(ContentHash, usize)> {
					let data = verity_ml::data::load(&file, format).with_context(|| {
						format!("{} does not read as {format:?}", file.display())
					})?;
					Ok((verity_ml::data::content_hash_file(&file)?, data.len()))
				}
			})
			.await??;
			let chain = connect(10).await?;
			chain.check_compatible().await?;
			let tx = Submitter::new(chain, key.keypair()?);
			let call = verity::tx().datasets().register(
				Static(hash),
				uri.into_bytes(),
				Static(format),
				Static(parse_licence(&licence)?),
				chain::parse_tokens(&price)?,
				verity::runtime_types::pallet_datasets::Visibility::Public,
				description.into_bytes(),
			);
			let events = tx.submit("datasets.register", &call).await.map_err(explain)?;
			let id =
				expect_event::<verity::datasets::events::Registered>(&events, "Registered")?.id;
			println!(
				"dataset {id}: {samples} samples, content {}",
				crate::content::content_name(&hash)
			);
			Ok(())
		}
		Command::Model(ModelCommand::Register { file, uri, price, licence, description, key }) => {
			let (architecture, _) = verity_ml::export::import_safetensors(&file)
				.with_context(|| format!("{} is not a verity-ml weights file", file.display()))?;
			let hash = verity_ml::data::content_hash_file(&file)?;
			let chain = connect(10).await?;
			chain.check_compatible().await?;
			let tx = Submitter::new(chain, key.keypair()?);
			let call = verity::tx().models().register(
				Static(architecture.clone()),
				Static(hash),
				uri.into_bytes(),
				Static(parse_licence(&licence)?),
				chain::parse_tokens(&price)?,
				description.into_bytes(),
			);
			let events = tx.submit("models.register", &call).await.map_err(explain)?;
			let id = expect_event::<verity::models::events::Registered>(&events, "Registered")?.id;
			println!("model {id}: {}", verity_ml::model::spec_to_text(&architecture));
			Ok(())
		}
		Command::Model(ModelCommand::Fetch { id, out, ipfs_gateway }) => {
			let chain = connect(10).await?;
			let at = chain.finalized().await?;
			let model = crate::jobs::model(&at, id).await?;
			let (uri, hash) = crate::jobs::model_weights(&model);
			let cache = std::env::temp_dir().join(format!("verity-fetch-{}", std::process::id()));
			let store = ContentStore::new(cache.clone(), ipfs_gateway)?;
			let fetched = store.fetch(&uri, hash).await;
			let result = fetched.map_err(anyhow::Error::from).and_then(|path| {
				std::fs::copy(&path, &out).with_context(|| format!("writing {}", out.display()))
			});
			let _ = std::fs::remove_dir_all(&cache);
			result?;
			println!(
				"model {id} ({}) -> {} (content {} verified)",
				verity_ml::model::spec_to_text(&model.architecture.0),
				out.display(),
				crate::content::content_name(&hash)
			);
			Ok(())
		}
		Command::Model(ModelCommand::Show { id }) => {
			let chain = connect(10).await?;
			let at = chain.finalized().await?;
			let model = crate::jobs::model(&at, id).await?;
			println!("model {id}");
			println!("  owner         {}", model.owner);
			println!("  architecture  {}", verity_ml::model::spec_to_text(&model.architecture.0));
			println!("  weights       {}", crate::content::content_name(&model.weights.0));
			println!("  uri           {}", crate::jobs::uri_text(&model.uri.0));
			println!("  lineage       {:?}", model.lineage);
			println!("  price         {}", tokens(model.inference_price));
			Ok(())
		}
		Command::Job(JobCommand::Post(post)) => {
			let chain = connect(10).await?;
			chain.check_compatible().await?;
			post_job(chain, *post).await
		}
		Command::Job(JobCommand::Watch { id, timeout }) => {
			let chain = connect(10).await?;
			watch(chain, id, Duration::from_secs(timeout)).await
		}
		Command::Worker(WorkerCommand::Status { account, key }) => {
			let chain = connect(10).await?;
			let who: AccountId32 = match account {
				Some(a) => a.parse().map_err(|_| anyhow::anyhow!("{a} is not an SS58 address"))?,
				None => key.keypair()?.public_key().to_account_id(),
			};
			status(chain, who).await
		}
		Command::Rewards(RewardsCommand::Claim { account, key }) => {
			let chain = connect(10).await?;
			chain.check_compatible().await?;
			let keypair = key.keypair()?;
			let tx = Submitter::new(chain, keypair);
			let events = match account {
				Some(a) => {
					let who: AccountId32 =
						a.parse().map_err(|_| anyhow::anyhow!("{a} is not an SS58 address"))?;
					let call = verity::tx().rewards().claim_for(who);
					tx.submit("rewards.claim_for", &call).await.map_err(explain)?
				}
				None => tx
					.submit("rewards.claim", &verity::tx().rewards().claim())
					.await
					.map_err(explain)?,
			};
			let claimed = expect_event::<verity::rewards::events::Claimed>(&events, "Claimed")?;
			println!("paid {} to {}", tokens(claimed.amount), claimed.who);
			Ok(())
		}
		Command::Rewards(RewardsCommand::ClaimEmission { era, key }) => {
			let chain = connect(10).await?;
			chain.check_compatible().await?;
			let tx = Submitter::new(chain, key.keypair()?);
			let call = verity::tx().rewards().claim_emission(era);
			let events = tx.submit("rewards.claim_emission", &call).await.map_err(explain)?;
			let paid = expect_event::<verity::rewards::events::EmissionClaimed>(
				&events,
				"EmissionClaimed",
			)?;
			println!("era {era}: {} to {}", tokens(paid.amount), paid.who);
			Ok(())
		}
	}
}

fn parse_licence(text: &str) -> anyhow::Result<Licence> {
	let known = [
		Licence::Cc0,
		Licence::CcBy4,
		Licence::CcBySa4,
		Licence::CcByNc4,
		Licence::Odbl1,
		Licence::CdlaPermissive2,
		Licence::Mit,
		Licence::Apache2,
		Licence::Bsd3Clause,
		Licence::Gpl3,
	];
	if let Some(l) = known.into_iter().find(|l| l.spdx().eq_ignore_ascii_case(text.as_bytes())) {
		return Ok(l);
	}
	let custom = Licence::Custom(
		text.as_bytes()
			.to_vec()
			.try_into()
			.map_err(|_| anyhow::anyhow!("licence name {text:?} is too long"))?,
	);
	anyhow::ensure!(custom.is_valid(), "licence name {text:?} is not printable ASCII");
	Ok(custom)
}

/// The first event of kind `E` a successful transaction emitted.
fn expect_event<E: subxt::events::DecodeAsEvent>(
	events: &subxt::extrinsics::ExtrinsicEvents<chain::Config>,
	name: &str,
) -> anyhow::Result<E> {
	events
		.find_first::<E>()
		.and_then(Result::ok)
		.ok_or_else(|| anyhow::anyhow!("the transaction emitted no {name} event"))
}

/// A runtime error with the names and docs of its pallet and variant.
fn explain(e: anyhow::Error) -> anyhow::Error {
	match e.downcast_ref::<chain::RuntimeError>() {
		Some(r) => anyhow::anyhow!("the chain refused: {}.{} — {}", r.pallet, r.name, r.docs),
		None => e,
	}
}

fn perbill(
	fraction: f64,
	what: &str,
) -> anyhow::Result<verity::runtime_types::sp_arithmetic::per_things::Perbill> {
	anyhow::ensure!((0.0..=1.0).contains(&fraction), "{what} {fraction} is not within [0, 1]");
	Ok(verity::runtime_types::sp_arithmetic::per_things::Perbill((fraction * 1e9).round() as u32))
}

async fn run_worker(chain: Chain, args: RunArgs) -> anyhow::Result<()> {
	let keypair = args.key.keypair()?;
	let me = keypair.public_key().to_account_id();
	let backend = match args.backend {
		BackendArg::Cpu => verity_ml::Backend::default(),
		BackendArg::Gpu => gpu_backend()?,
	};
	let data = DataDir::open(args.data_dir.clone())?;
	let content = ContentStore::new(data.content(), args.ipfs_gateway.clone())?;
	let metrics = Metrics::new()?;
	#[cfg(feature = "faults")]
	let faults = crate::fault::Faults::parse(&args.faults)?;
	#[cfg(not(feature = "faults"))]
	let faults = crate::fault::Faults::default();
	if faults.any() {
		tracing::warn!(?faults, "this worker cheats on purpose (fault injection)");
	}
	let served =
		crate::serve::serve(args.listen, data.clone(), faults.withhold_checkpoints).await?;
	let public_url = args
		.public_url
		.clone()
		.unwrap_or_else(|| format!("http://127.0.0.1:{}", served.port()))
		.trim_end_matches('/')
		.to_owned();
	if let Some(addr) = args.metrics_addr {
		let local = crate::serve::serve_metrics(addr, metrics.clone()).await?;
		tracing::info!(%local, "metrics at /metrics");
	}
	tracing::info!(account = %me, %public_url, listen = %served, backend = backend.name(), "worker starting");

	let tx = Submitter::new(chain.clone(), keypair);
	let capabilities = ct::Capabilities {
		backend: match args.backend {
			BackendArg::Cpu => ct::Backend::Cpu,
			BackendArg::Gpu => ct::Backend::Gpu,
		},
		device: verity::runtime_types::bounded_collections::bounded_vec::BoundedVec(
			args.device
				.clone()
				.unwrap_or_else(cpu_model)
				.into_bytes()
				.into_iter()
				.take(64)
				.collect(),
		),
		memory_mib: args.memory_mib,
		max_parameters: args.max_parameters,
		determinism: backend.determinism_class(),
	};
	tracing::info!(class = capabilities.determinism, tag = %backend.determinism_tag(), "determinism class");
	ensure_registered(&tx, &me, capabilities, &public_url, chain::parse_tokens(&args.stake)?)
		.await?;

	let cancel = Arc::new(AtomicBool::new(false));
	let ctx = Arc::new(Context {
		tx,
		chain,
		me,
		data,
		content,
		metrics,
		backend,
		public_url,
		max_parameters: args.max_parameters,
		http: reqwest::Client::builder().connect_timeout(Duration::from_secs(5)).build()?,
		cancel: cancel.clone(),
		progress_bars: std::io::stderr().is_terminal(),
		faults,
	});
	tokio::spawn(async move {
		wait_for_signal().await;
		tracing::info!("stopping: work in progress resumes from its last checkpoint on restart");
		cancel.store(true, Ordering::Relaxed);
	});
	roles::run(ctx, !args.no_keeper, args.watch).await?;
	tracing::info!("stopped");
	Ok(())
}

#[cfg(feature = "gpu")]
fn gpu_backend() -> anyhow::Result<verity_ml::Backend> {
	Ok(verity_ml::Backend::Wgpu)
}

#[cfg(not(feature = "gpu"))]
fn gpu_backend() -> anyhow::Result<verity_ml::Backend> {
	anyhow::bail!(
		"this verity-worker was built without GPU support: build it with `--features gpu`"
	)
}

async fn wait_for_signal() {
	#[cfg(unix)]
	{
		use tokio::signal::unix::{signal, SignalKind};
		if let Ok(mut term) = signal(SignalKind::terminate()) {
			tokio::select! {
				_ = term.recv() => {},
				_ = tokio::signal::ctrl_c() => {},
			}
			return;
		}
	}
	let _ = tokio::signal::ctrl_c().await;
}

fn cpu_model() -> String {
	std::fs::read_to_string("/proc/cpuinfo")
		.ok()
		.and_then(|info| {
			info.lines()
				.find(|l| l.starts_with("model name"))
				.and_then(|l| l.split_once(':'))
				.map(|(_, v)| v.trim().to_owned())
		})
		.unwrap_or_else(|| "cpu".into())
}

async fn ensure_registered(
	tx: &Submitter,
	me: &AccountId32,
	capabilities: ct::Capabilities,
	endpoint: &str,
	stake: u128,
) -> anyhow::Result<()> {
	let at = tx.chain().finalized().await?;
	let record = at.runtime_apis().call(verity::runtime_apis().compute_api().worker(*me)).await?;
	match record {
		None => {
			tx.submit(
				"register_worker",
				&verity::tx().compute().register_worker(
					stake,
					capabilities,
					endpoint.as_bytes().to_vec(),
				),
			)
			.await
			.map_err(explain)?;
			tracing::info!(stake = %tokens(stake), "registered as a worker");
		}
		Some(worker) => {
			let endpoint_now = crate::jobs::uri_text(&worker.endpoint.0);
			let same = endpoint_now == endpoint
				&& worker.capabilities.max_parameters == capabilities.max_parameters
				&& worker.capabilities.device.0 == capabilities.device.0
				&& worker.capabilities.memory_mib == capabilities.memory_mib
				&& worker.capabilities.determinism == capabilities.determinism
				&& std::mem::discriminant(&worker.capabilities.backend)
					== std::mem::discriminant(&capabilities.backend);
			if !same {
				tx.submit(
					"set_capabilities",
					&verity::tx()
						.compute()
						.set_capabilities(capabilities, endpoint.as_bytes().to_vec()),
				)
				.await
				.map_err(explain)?;
				tracing::info!(endpoint, "capabilities updated");
			}
			if !worker.online {
				tx.submit("go_online", &verity::tx().compute().go_online())
					.await
					.map_err(explain)?;
				tracing::info!("back online");
			}
			tracing::info!(stake = %tokens(worker.stake), bonded = %tokens(worker.bonded), "registered worker");
		}
	}
	Ok(())
}

async fn post_job(chain: Chain, post: PostCommand) -> anyhow::Result<()> {
	let (spec, verification, args) = match post {
		PostCommand::Train {
			arch,
			fine_tune,
			datasets,
			validation,
			optimizer,
			lr,
			momentum,
			beta1,
			beta2,
			batch,
			steps,
			seed,
			checkpoint_every,
			audit_rate,
			licence,
			inference_price,
			post,
		} => {
			let base = match (arch, fine_tune) {
				(Some(text), None) => {
					ct::TrainBase::Fresh(Static(verity_ml::model::parse_spec(&text)?))
				}
				(None, Some(model)) => ct::TrainBase::FineTune(model),
				_ => anyhow::bail!("give --arch for a fresh model or --fine-tune MODEL"),
			};
			let optimizer = match optimizer.as_str() {
				"sgd" => ct::Optimizer::Sgd {
					learning_rate: perbill(lr, "learning rate")?,
					momentum: perbill(momentum, "momentum")?,
				},
				"adam" => ct::Optimizer::Adam {
					learning_rate: perbill(lr, "learning rate")?,
					beta1: perbill(beta1, "beta1")?,
					beta2: perbill(beta2, "beta2")?,
				},
				other => anyhow::bail!("optimizer {other:?} is neither sgd nor adam"),
			};
			let spec = ct::JobSpec::Train(ct::TrainSpec {
				base,
				datasets: verity::runtime_types::bounded_collections::bounded_vec::BoundedVec(
					datasets,
				),
				validation,
				optimizer,
				batch_size: batch,
				steps,
				seed,
				checkpoint_interval: checkpoint_every,
				licence: Static(parse_licence(&licence)?),
				inference_price: chain::parse_tokens(&inference_price)?,
			});
			let verification =
				ct::Verification { audit_rate: perbill(audit_rate, "audit rate")?, replicas: 0 };
			(spec, verification, post)
		}
		PostCommand::Infer { model, input, input_uri, replicas, post } => {
			let hash = verity_ml::data::content_hash_file(&input)
				.with_context(|| format!("hashing {}", input.display()))?;
			let uri = verity_primitives::Uri::parse(input_uri.as_bytes())
				.map_err(|e| anyhow::anyhow!("--input-uri {input_uri:?}: {e:?}"))?;
			let spec = ct::JobSpec::Infer { model, input: Static(hash), input_uri: Static(uri) };
			(spec, ct::Verification { audit_rate: perbill(0.0, "")?, replicas }, post)
		}
		PostCommand::Evaluate { model, dataset, replicas, post } => (
			ct::JobSpec::Evaluate { model, dataset },
			ct::Verification { audit_rate: perbill(0.0, "")?, replicas },
			post,
		),
	};
	let keypair = args.key.keypair()?;
	let poster = keypair.public_key().to_account_id();
	let reward = chain::parse_tokens(&args.reward)?;
	let at = chain.finalized().await?;
	let quote = at
		.runtime_apis()
		.call(verity::runtime_apis().compute_api().quote(
			poster,
			spec.clone(),
			verification.clone(),
			reward,
		))
		.await?
		.map_err(|e| anyhow::anyhow!("the chain will not take this job: {}", describe(&at, &e)))?;
	print_quote(&quote);
	if !args.yes {
		anyhow::ensure!(
			std::io::stdin().is_terminal(),
			"not posted: pass --yes to post without confirming"
		);
		eprint!("post this job? [y/N] ");
		let mut answer = String::new();
		std::io::stdin().read_line(&mut answer)?;
		anyhow::ensure!(answer.trim().eq_ignore_ascii_case("y"), "not posted");
	}
	let tx = Submitter::new(chain, keypair);
	let events = tx
		.submit(
			"post_job",
			&verity::tx().compute().post_job(
				spec,
				verification,
				reward,
				args.work_blocks,
				quote.total,
			),
		)
		.await
		.map_err(explain)?;
	let posted = expect_event::<verity::compute::events::JobPosted>(&events, "JobPosted")?;
	println!("job {} posted, {} held", posted.job, tokens(posted.total));
	if let Some(Ok(assigned)) = events.find_first::<verity::compute::events::JobAssigned>() {
		let workers: Vec<String> = assigned.workers.iter().map(|w| w.to_string()).collect();
		println!("assigned to {} until block {}", workers.join(", "), assigned.until);
	}
	Ok(())
}

fn print_quote(q: &ct::Quote) {
	println!("quote");
	println!("  reward        {:>24}  to the worker(s)", tokens(q.reward));
	if q.audit_fee > 0 {
		println!("  audit fee     {:>24}  to the auditors", tokens(q.audit_fee));
	}
	for fee in &q.data_fees.0 {
		println!("  data fee      {:>24}  to {}", tokens(fee.amount), fee.to);
	}
	if let Some(r) = &q.royalty {
		println!("  royalty       {:>24}  to {}", tokens(r.amount), r.to);
	}
	println!("  protocol fee  {:>24}  to the treasury", tokens(q.protocol_fee));
	println!("  deposit       {:>24}  returned when the job ends", tokens(q.deposit));
	println!("  total held    {:>24}", tokens(q.total));
}

/// A runtime API's dispatch error by pallet and variant name.
fn describe(at: &AtBlock, e: &verity::runtime_types::sp_runtime::DispatchError) -> String {
	use verity::runtime_types::sp_runtime::DispatchError as D;
	if let D::Module(m) = e {
		let name = at.metadata_ref().pallet_by_error_index(m.index).and_then(|p| {
			let variant = p.error_variant_by_index(m.error[0])?;
			Some(format!("{}.{} — {}", p.name(), variant.name, variant.docs.join(" ")))
		});
		if let Some(name) = name {
			return name;
		}
	}
	format!("{e:?}")
}

/// Blocks `job watch` looks back through for the end of a job that is no longer open.
const WATCH_LOOKBACK: u64 = 2_400;

/// How job `id` ended, from a block's events.
fn ending_in(events: &subxt::events::Events<chain::Config>, id: u64) -> Option<String> {
	for event in events.iter().flatten() {
		let Ok(verity::Event::Compute(e)) = event.decode_as::<verity::Event>() else { continue };
		use verity::compute::Event as E;
		let ended = match e {
			E::JobFinalized { job, model, output } if job == id => Some(match (model, output) {
				(Some(m), _) => format!("finalized: model {m} registered"),
				(None, Some(o)) => format!("finalized: {}", output_text(&o)),
				_ => "finalized".into(),
			}),
			E::JobFailed { job } if job == id => Some("failed".into()),
			E::JobExpired { job } if job == id => Some("expired (refunded)".into()),
			_ => None,
		};
		if ended.is_some() {
			return ended;
		}
	}
	None
}

/// The end of a job that is no longer open, looked up in recent blocks.
async fn past_ending(chain: &Chain, id: u64, at: &AtBlock) -> anyhow::Result<()> {
	let next = at.storage().fetch(verity::storage().compute().next_job_id(), ()).await?.decode()?;
	anyhow::ensure!(id < next, "job {id} was never posted (the next job id is {next})");
	let newest = at.block_number();
	for number in (newest.saturating_sub(WATCH_LOOKBACK)..=newest).rev() {
		let block = chain.api.at_block(number).await?;
		if let Some(end) = ending_in(&block.events().fetch().await?, id) {
			println!("#{number} job {id} {end}");
			return Ok(());
		}
	}
	anyhow::bail!("job {id} ended more than {WATCH_LOOKBACK} blocks ago")
}

async fn watch(chain: Chain, id: u64, timeout: Duration) -> anyhow::Result<()> {
	let deadline = tokio::time::Instant::now() + timeout;
	let mut blocks = chain.api.stream_best_blocks().await?;
	let mut last_status = String::new();
	let mut seen_open = false;
	let mut unposted = 0u32;
	loop {
		let block = tokio::select! {
			b = blocks.next() => b,
			_ = tokio::time::sleep_until(deadline) => anyhow::bail!("job {id} still open after {timeout:?}"),
		};
		let Some(block) = block else {
			blocks = chain.api.stream_best_blocks().await?;
			continue;
		};
		let block = block?;
		let at = block.at().await?;
		let events = at.events().fetch().await?;
		for event in events.iter().flatten() {
			let Ok(verity::Event::Compute(e)) = event.decode_as::<verity::Event>() else {
				continue;
			};
			use verity::compute::Event as E;
			let line = match &e {
				E::JobAssigned { job, workers, until } if *job == id => {
					Some(format!("assigned to {} until block {until}", join(workers)))
				}
				E::ResultSubmitted { job, weights, .. } if *job == id => Some(format!(
					"result submitted: weights {}",
					crate::content::content_name(&weights.0)
				)),
				E::AuditsDrawn { job, audits } if *job == id => {
					Some(format!("{} audit(s) drawn", audits.len()))
				}
				E::AuditRevealed { job, segment, passed, .. } if *job == id => Some(format!(
					"audit of segment {segment}: {}",
					if *passed { "pass" } else { "FAIL" }
				)),
				E::OutputRevealed { job, worker, output } if *job == id => {
					Some(format!("{worker} revealed {}", output_text(output)))
				}
				E::DeadlineMissed { job, worker } if *job == id => {
					Some(format!("{worker} missed a deadline"))
				}
				E::Declined { job, worker } if *job == id => Some(format!("{worker} declined")),
				E::DisputeOpened { dispute, job, .. } if *job == id => {
					Some(format!("dispute {dispute} opened"))
				}
				_ => None,
			};
			if let Some(line) = line {
				println!("#{} {line}", block.number());
			}
		}
		let open = crate::jobs::job(&at, id).await?;
		if ending_in(&events, id).is_some() || (seen_open && open.is_none()) {
			// The end is reported once final, read from the finalized chain: what it names (a
			// registered model, a revealed output) is then there for the next command, which
			// reads finalized state, and a best block on a losing fork reports nothing.
			let finalized = chain.finalized_from(block.number(), deadline).await?;
			if crate::jobs::job(&finalized, id).await?.is_none() {
				return past_ending(&chain, id, &finalized).await;
			}
			println!("#{} job {id} ended on a fork that lost; watching on", block.number());
		}
		match open {
			Some(job) => {
				seen_open = true;
				let status = format!("{:?}", job.status);
				if status != last_status {
					println!("#{} status {status}", block.number());
					last_status = status;
				}
			}
			None if !seen_open => {
				let next = at
					.storage()
					.fetch(verity::storage().compute().next_job_id(), ())
					.await?
					.decode()?;
				if id < next {
					// Already over: look back from the finalized chain for how it ended.
					let finalized = chain.finalized_from(at.block_number(), deadline).await?;
					if crate::jobs::job(&finalized, id).await?.is_none() {
						return past_ending(&chain, id, &finalized).await;
					}
					// Open in the finalized chain: it ended on a fork that may still lose.
					seen_open = true;
					continue;
				}
				// Not posted as of this block (the stream may start a block behind).
				unposted += 1;
				anyhow::ensure!(
					unposted < 20,
					"job {id} was never posted (the next job id is {next})"
				);
			}
			None => {}
		}
	}
}

fn join(accounts: &[AccountId32]) -> String {
	accounts.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")
}

fn output_text(output: &ct::JobOutput) -> String {
	match output {
		ct::JobOutput::Predictions(hash) => {
			format!("predictions {}", crate::content::content_name(&hash.0))
		}
		ct::JobOutput::Score { correct, total } => format!("score {correct}/{total}"),
	}
}

async fn status(chain: Chain, who: AccountId32) -> anyhow::Result<()> {
	let at = chain.finalized().await?;
	let free = chain.free_balance(&at, &who).await?;
	let accrued = chain.accrued(&at, &who).await?;
	println!("account   {who}");
	println!("free      {}", tokens(free));
	println!("accrued   {} (`verity-worker rewards claim` pays it out)", tokens(accrued));
	let worker = at.runtime_apis().call(verity::runtime_apis().compute_api().worker(who)).await?;
	let Some(w) = worker else {
		println!("not a registered worker");
		return Ok(());
	};
	println!(
		"stake     {} ({} bonded to duties, {} unlocking)",
		tokens(w.stake),
		tokens(w.bonded),
		tokens(w.unlocking)
	);
	println!("online    {}", w.online);
	println!("endpoint  {}", crate::jobs::uri_text(&w.endpoint.0));
	println!(
		"device    {:?} {} ({} MiB, up to {} parameters)",
		w.capabilities.backend,
		String::from_utf8_lossy(&w.capabilities.device.0),
		w.capabilities.memory_mib,
		w.capabilities.max_parameters
	);
	println!(
		"record    {} jobs, {} verifications, {} faults (disputes lost, deadlines missed)",
		w.jobs_done, w.verifications_done, w.faults
	);
	let duties = at.runtime_apis().call(verity::runtime_apis().compute_api().duties(who)).await?;
	println!("duties    {}", if duties.is_empty() { "none".into() } else { format!("{duties:?}") });
	Ok(())
}
