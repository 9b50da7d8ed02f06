//! Genesis presets:
//! - `development` (one collator, Alice) and `local_testnet` (Alice and Bob collate, for a
//!   relay-chain network) fund the well-known dev accounts, give Alice the sudo key and run
//!   governance at [`Pace::Fast`], so a referendum passes in minutes;
//! - `production` has no sudo key (OpenGov is the only root), governance at
//!   [`Pace::Production`] and nothing endowed: a launch fills in its token allocation and
//!   replaces the placeholder collators (Alice, Bob) with its own before building the spec.

use alloc::{vec, vec::Vec};
use cumulus_primitives_core::ParaId;
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_genesis_builder::PresetId;
pub use sp_genesis_builder::{DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};
use sp_keyring::Sr25519Keyring;
use sp_runtime::Perbill;
use verity_primitives::ArchitectureFamily;

use crate::configs::governance::Pace;
use crate::{
	AccountId, AuraId, Balance, BalancesConfig, CollatorSelectionConfig, ComputeConfig,
	OriginsConfig, ParachainInfoConfig, PolkadotXcmConfig, RuntimeGenesisConfig, SessionConfig,
	SessionKeys, SudoConfig, EXISTENTIAL_DEPOSIT, UNIT,
};

/// The preset without sudo, at production pace.
pub const PRODUCTION_RUNTIME_PRESET: &str = "production";

/// The parachain id of the built-in chain specs.
pub const PARACHAIN_ID: u32 = 2000;

/// The XCM version assumed for chains that have not told theirs.
const SAFE_XCM_VERSION: u32 = xcm::prelude::XCM_VERSION;

/// The tolerance ε of every architecture family at genesis: a relative L2 distance of 1e-5
/// between a replayed and a claimed state. Governance replaces it with `calibrate`'s
/// recommendation per family.
const GENESIS_TOLERANCE: Perbill = Perbill::from_parts(10_000);

/// What each endowed dev account starts with: one million VRTY.
const ENDOWMENT: Balance = 1_000_000 * UNIT;

fn verity_genesis(
	invulnerables: Vec<(AccountId, AuraId)>,
	endowed_accounts: Vec<AccountId>,
	root: Option<AccountId>,
	pace: Pace,
	id: ParaId,
) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed_accounts.iter().cloned().map(|k| (k, ENDOWMENT)).collect::<Vec<_>>(),
		},
		parachain_info: ParachainInfoConfig { parachain_id: id },
		collator_selection: CollatorSelectionConfig {
			invulnerables: invulnerables.iter().cloned().map(|(acc, _)| acc).collect::<Vec<_>>(),
			candidacy_bond: EXISTENTIAL_DEPOSIT.saturating_mul(16),
		},
		session: SessionConfig {
			keys: invulnerables
				.into_iter()
				.map(|(acc, aura)| (acc.clone(), acc, SessionKeys { aura }))
				.collect::<Vec<_>>(),
		},
		polkadot_xcm: PolkadotXcmConfig { safe_xcm_version: Some(SAFE_XCM_VERSION) },
		sudo: SudoConfig { key: root },
		origins: OriginsConfig { pace },
		compute: ComputeConfig {
			tolerances: vec![
				(ArchitectureFamily::Mlp, GENESIS_TOLERANCE),
				(ArchitectureFamily::LeNet, GENESIS_TOLERANCE),
			],
		},
	})
}

fn collator(who: Sr25519Keyring) -> (AccountId, AuraId) {
	(who.to_account_id(), who.public().into())
}

fn development_genesis() -> Value {
	verity_genesis(
		vec![collator(Sr25519Keyring::Alice)],
		Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect(),
		Some(Sr25519Keyring::Alice.to_account_id()),
		Pace::Fast,
		PARACHAIN_ID.into(),
	)
}

fn local_testnet_genesis() -> Value {
	verity_genesis(
		vec![collator(Sr25519Keyring::Alice), collator(Sr25519Keyring::Bob)],
		Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect(),
		Some(Sr25519Keyring::Alice.to_account_id()),
		Pace::Fast,
		PARACHAIN_ID.into(),
	)
}

fn production_genesis() -> Value {
	verity_genesis(
		vec![collator(Sr25519Keyring::Alice), collator(Sr25519Keyring::Bob)],
		Vec::new(),
		None,
		Pace::Production,
		PARACHAIN_ID.into(),
	)
}

/// The JSON patch of the preset named `id`, or `None` if there is no such preset.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		DEV_RUNTIME_PRESET => development_genesis(),
		LOCAL_TESTNET_RUNTIME_PRESET => local_testnet_genesis(),
		PRODUCTION_RUNTIME_PRESET => production_genesis(),
		_ => return None,
	};
	serde_json::to_vec(&patch).ok()
}

/// The names of every preset this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(DEV_RUNTIME_PRESET),
		PresetId::from(LOCAL_TESTNET_RUNTIME_PRESET),
		PresetId::from(PRODUCTION_RUNTIME_PRESET),
	]
}
