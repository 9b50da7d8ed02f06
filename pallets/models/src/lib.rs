//! # Models pallet
//!
//! The model registry of the Verity machine-learning market.
//!
//! ## Overview
//!
//! A model is an [`ArchitectureSpec`] from the closed set the ML crate can run, the
//! [`ContentHash`] of its weights, where to fetch them ([`Uri`]), a [`Licence`] and a price
//! per inference. Registering holds a deposit for the stored record
//! ([`HoldReason::ModelDeposit`]), released on [`retire`](Pallet::retire). Two models never
//! share a weights hash.
//!
//! Models form version chains: [`publish_version`](Pallet::publish_version) registers new
//! weights as the next version of the latest one, and each record points to its previous
//! and next version.
//!
//! What a model *is* beyond its owner's word is written only by the compute pallet, through
//! [`ModelRegistry`]: models produced by verified training jobs, with their [`Lineage`]
//! (`TrainedBy(job)`, `FineTunedFrom(model, job)`), and verified evaluation scores per
//! (model, dataset). No call lets a user write either.
//!
//! ## Pallet API
//!
//! Owner calls: [`register`](Pallet::register), [`publish_version`](Pallet::publish_version),
//! [`set_price`](Pallet::set_price), [`set_uri`](Pallet::set_uri), [`retire`](Pallet::retire).
//! Pallets: [`ModelRegistry`].
//!
//! A user's models are found by a prefix query on [`ModelsByOwner`]
//! (`api.query.models.modelsByOwner.keys(owner)`), a model by its weights through
//! [`ModelByWeights`], and its scores by a prefix query on [`Evaluations`].
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(test, allow(clippy::arithmetic_side_effects))]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

use alloc::vec::Vec;
use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, MutateHold},
		tokens::Precision,
	},
	CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use frame_system::pallet_prelude::*;
use scale_info::TypeInfo;
use sp_runtime::traits::{Saturating, Zero};
use verity_primitives::deposit;
pub use verity_primitives::{
	ArchitectureError, ArchitectureSpec, ContentHash, DatasetId, JobId, Licence, Lineage, ModelId,
	ModelRegistry, Sources, TrainedModel, TrainingData, Uri, UriError, MAX_TRAINING_DATASETS,
};

/// Balance type of the currency that holds deposits.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// Whether a model may be used in new jobs.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub enum ModelStatus {
	/// Usable.
	Active,
	/// Retired by its owner; the record stays for lineage.
	Retired,
}

/// A registered model (one version).
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Model<T: Config> {
	/// Who registered it and receives its inference royalties.
	pub owner: T::AccountId,
	/// The architecture the weights belong to.
	pub architecture: ArchitectureSpec,
	/// Content hash of the weights file (safetensors).
	pub weights: ContentHash,
	/// Where the weights can be fetched.
	pub uri: Uri,
	/// The licence the weights are offered under.
	pub licence: Licence,
	/// What an inference job pays the owner.
	pub inference_price: BalanceOf<T>,
	/// A short human description.
	pub description: BoundedVec<u8, T::MaxDescriptionLen>,
	/// Where the weights came from.
	pub lineage: Lineage,
	/// 1 for a first version, one more for each published version.
	pub version: u32,
	/// The version this one follows.
	pub previous: Option<ModelId>,
	/// The version that follows this one.
	pub next: Option<ModelId>,
	/// The deposit held for this record (zero once retired).
	pub deposit: BalanceOf<T>,
	/// Active or retired.
	pub status: ModelStatus,
	/// Block of registration.
	pub registered_at: BlockNumberFor<T>,
}

/// A verified evaluation of a model on a labelled dataset.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Evaluation<BlockNumber> {
	/// Samples the model labelled correctly.
	pub correct: u32,
	/// Samples evaluated.
	pub total: u32,
	/// The evaluation job that produced the score.
	pub job: JobId,
	/// Block the score was recorded.
	pub recorded_at: BlockNumber,
}

// FRAME's macro expansion calls `expect` on values it constructed itself.
#[allow(clippy::expect_used)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// The layout of this pallet's storage. Bump it, with a migration in `migrations/`,
	/// whenever a stored type's encoding changes; `scripts/try-runtime.sh` checks it.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit for a model's on-chain record.
		ModelDeposit,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The overarching event type.
		#[allow(deprecated)]
		type RuntimeEvent: From<Event<Self>> + IsType<<Self as frame_system::Config>::RuntimeEvent>;

		/// The currency deposits are held in.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// Deposit held for every model, covering its index entries.
		#[pallet::constant]
		type DepositBase: Get<BalanceOf<Self>>;

		/// Deposit held per byte of a model's encoded record.
		#[pallet::constant]
		type DepositPerByte: Get<BalanceOf<Self>>;

		/// The longest description, in bytes.
		#[pallet::constant]
		type MaxDescriptionLen: Get<u32>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// The id the next model gets.
	#[pallet::storage]
	pub type NextModelId<T> = StorageValue<_, ModelId, ValueQuery>;

	/// Every model version ever registered.
	#[pallet::storage]
	pub type Models<T: Config> = StorageMap<_, Twox64Concat, ModelId, Model<T>>;

	/// The model of each weights root; weights are never registered twice.
	#[pallet::storage]
	pub type ModelByWeights<T> = StorageMap<_, Blake2_128Concat, [u8; 32], ModelId>;

	/// Weights a training job submitted and will register when it finalizes: reserved for
	/// that job, so nobody can register them first. The job's deposit pays for the entry.
	#[pallet::storage]
	pub type ReservedWeights<T> = StorageMap<_, Blake2_128Concat, [u8; 32], JobId>;

	/// The datasets each model from a verified training job was trained on (its lineage's
	/// data side; the model's deposit base pays for the entry).
	#[pallet::storage]
	pub type TrainedOn<T> = StorageMap<_, Twox64Concat, ModelId, TrainingData>;

	/// Models by owner, for prefix queries.
	#[pallet::storage]
	pub type ModelsByOwner<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, ModelId, ()>;

	/// Verified evaluation scores per model and dataset, written by the compute pallet.
	#[pallet::storage]
	pub type Evaluations<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		ModelId,
		Twox64Concat,
		DatasetId,
		Evaluation<BlockNumberFor<T>>,
	>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A model was registered and its deposit held.
		Registered {
			id: ModelId,
			owner: T::AccountId,
			weights: ContentHash,
			lineage: Lineage,
			deposit: BalanceOf<T>,
		},
		/// New weights were published as the next version of a model.
		VersionPublished { id: ModelId, previous: ModelId, version: u32 },
		/// The inference price changed.
		PriceChanged { id: ModelId, inference_price: BalanceOf<T> },
		/// The URI changed (the weights did not).
		UriChanged { id: ModelId, uri: Uri },
		/// The held deposit was adjusted to the record's new size.
		DepositChanged { id: ModelId, deposit: BalanceOf<T> },
		/// The owner retired the model and got the deposit back.
		Retired { id: ModelId, released: BalanceOf<T> },
		/// A verified evaluation score was recorded.
		EvaluationRecorded {
			model: ModelId,
			dataset: DatasetId,
			correct: u32,
			total: u32,
			job: JobId,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No model has this id.
		UnknownModel,
		/// Only the model's owner may do this.
		NotOwner,
		/// A model with these weights already exists.
		DuplicateWeightsHash,
		/// These weights were submitted by a training job, which registers them when it
		/// finalizes.
		WeightsReserved,
		/// The weights hash claims an empty file.
		EmptyWeights,
		/// A layer, the input or the output of the architecture has zero width.
		ZeroWidthLayer,
		/// The architecture has fewer than two output classes.
		TooFewClasses,
		/// The architecture's input image shape is not supported.
		UnsupportedInputShape,
		/// The architecture has more parameters than any worker is expected to hold.
		TooManyParameters,
		/// The URI was refused; the reason says why.
		InvalidUri(UriError),
		/// The description is longer than `MaxDescriptionLen`.
		DescriptionTooLong,
		/// A custom licence name is empty or not printable ASCII.
		InvalidLicence,
		/// The account cannot afford the deposit.
		InsufficientBalance,
		/// The model was retired.
		NotActive,
		/// Only the latest version of a model can get a next version.
		NotLatestVersion,
		/// A fine-tune names a parent model that does not exist.
		UnknownParent,
		/// An evaluation counted zero samples or more correct than evaluated.
		InvalidEvaluation,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Register uploaded weights as a model (lineage `Uploaded`). Holds a deposit of
		/// `DepositBase + DepositPerByte × record size`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register())]
		pub fn register(
			origin: OriginFor<T>,
			architecture: ArchitectureSpec,
			weights: ContentHash,
			uri: Vec<u8>,
			licence: Licence,
			inference_price: BalanceOf<T>,
			description: Vec<u8>,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			let description = Self::bounded_description(description)?;
			let model = Self::new_model(
				owner,
				architecture,
				weights,
				Uri::parse(&uri).map_err(Error::<T>::InvalidUri)?,
				licence,
				inference_price,
				description,
				Lineage::Uploaded,
			)?;
			Self::insert_new(model)?;
			Ok(())
		}

		/// Publish new weights for the same architecture as the next version of `model`,
		/// which must be the latest version. Price, licence and description carry over.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::publish_version())]
		pub fn publish_version(
			origin: OriginFor<T>,
			model: ModelId,
			weights: ContentHash,
			uri: Vec<u8>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut previous = Self::owned_active(&who, model)?;
			ensure!(previous.next.is_none(), Error::<T>::NotLatestVersion);
			let mut next = Self::new_model(
				who,
				previous.architecture.clone(),
				weights,
				Uri::parse(&uri).map_err(Error::<T>::InvalidUri)?,
				previous.licence.clone(),
				previous.inference_price,
				previous.description.clone(),
				previous.lineage,
			)?;
			next.version = previous.version.saturating_add(1);
			next.previous = Some(model);
			// Recompute the deposit: the record now carries a `previous` link.
			let version = next.version;
			let id = Self::insert_new(next)?;
			previous.next = Some(id);
			Self::settle_deposit(model, &mut previous)?;
			Models::<T>::insert(model, previous);
			Self::deposit_event(Event::VersionPublished { id, previous: model, version });
			Ok(())
		}

		/// Change what one inference costs.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::set_price())]
		pub fn set_price(
			origin: OriginFor<T>,
			model: ModelId,
			inference_price: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut record = Self::owned_active(&who, model)?;
			record.inference_price = inference_price;
			Models::<T>::insert(model, record);
			Self::deposit_event(Event::PriceChanged { id: model, inference_price });
			Ok(())
		}

		/// Point the model at a new location of the same weights.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::set_uri())]
		pub fn set_uri(origin: OriginFor<T>, model: ModelId, uri: Vec<u8>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut record = Self::owned_active(&who, model)?;
			let uri = Uri::parse(&uri).map_err(Error::<T>::InvalidUri)?;
			record.uri = uri.clone();
			Self::settle_deposit(model, &mut record)?;
			Models::<T>::insert(model, record);
			Self::deposit_event(Event::UriChanged { id: model, uri });
			Ok(())
		}

		/// Retire the model: no new job may use it, the deposit is released, the record stays
		/// for lineage.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::retire())]
		pub fn retire(origin: OriginFor<T>, model: ModelId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut record = Self::owned_active(&who, model)?;
			let released = T::Currency::release(
				&HoldReason::ModelDeposit.into(),
				&who,
				record.deposit,
				Precision::BestEffort,
			)?;
			record.deposit = Zero::zero();
			record.status = ModelStatus::Retired;
			Models::<T>::insert(model, record);
			Self::deposit_event(Event::Retired { id: model, released });
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The deposit a model record of this size requires.
	pub fn required_deposit(model: &Model<T>) -> BalanceOf<T> {
		deposit::required(T::DepositBase::get(), T::DepositPerByte::get(), model.encoded_size())
	}

	fn bounded_description(
		description: Vec<u8>,
	) -> Result<BoundedVec<u8, T::MaxDescriptionLen>, Error<T>> {
		description.try_into().map_err(|_| Error::<T>::DescriptionTooLong)
	}

	fn owned_active(who: &T::AccountId, id: ModelId) -> Result<Model<T>, Error<T>> {
		let model = Models::<T>::get(id).ok_or(Error::<T>::UnknownModel)?;
		ensure!(&model.owner == who, Error::<T>::NotOwner);
		ensure!(model.status == ModelStatus::Active, Error::<T>::NotActive);
		Ok(model)
	}

	/// Checks a new record; its deposit is not held yet.
	#[allow(clippy::too_many_arguments)]
	fn new_model(
		owner: T::AccountId,
		architecture: ArchitectureSpec,
		weights: ContentHash,
		uri: Uri,
		licence: Licence,
		inference_price: BalanceOf<T>,
		description: BoundedVec<u8, T::MaxDescriptionLen>,
		lineage: Lineage,
	) -> Result<Model<T>, DispatchError> {
		ensure!(weights.size > 0, Error::<T>::EmptyWeights);
		ensure!(!ModelByWeights::<T>::contains_key(weights.root), Error::<T>::DuplicateWeightsHash);
		// Only the job that reserved them registers reserved weights.
		let reserved = ReservedWeights::<T>::get(weights.root);
		let trained_by = match &lineage {
			Lineage::TrainedBy { job } | Lineage::FineTunedFrom { job, .. } => Some(*job),
			Lineage::Uploaded => None,
		};
		ensure!(reserved.is_none() || reserved == trained_by, Error::<T>::WeightsReserved);
		architecture.validate().map_err(|e| match e {
			ArchitectureError::ZeroWidth => Error::<T>::ZeroWidthLayer,
			ArchitectureError::TooFewClasses => Error::<T>::TooFewClasses,
			ArchitectureError::UnsupportedInputShape => Error::<T>::UnsupportedInputShape,
			ArchitectureError::TooManyParameters => Error::<T>::TooManyParameters,
		})?;
		ensure!(licence.is_valid(), Error::<T>::InvalidLicence);
		if let Lineage::FineTunedFrom { model, .. } = lineage {
			ensure!(Models::<T>::contains_key(model), Error::<T>::UnknownParent);
		}
		Ok(Model {
			owner,
			architecture,
			weights,
			uri,
			licence,
			inference_price,
			description,
			lineage,
			version: 1,
			previous: None,
			next: None,
			deposit: Zero::zero(),
			status: ModelStatus::Active,
			registered_at: frame_system::Pallet::<T>::block_number(),
		})
	}

	/// Holds the record's deposit and stores it under a new id.
	fn insert_new(mut model: Model<T>) -> Result<ModelId, DispatchError> {
		let deposit = Self::required_deposit(&model);
		deposit::settle::<_, T::Currency>(
			&HoldReason::ModelDeposit.into(),
			&model.owner,
			Zero::zero(),
			deposit,
			Error::<T>::InsufficientBalance,
		)?;
		model.deposit = deposit;
		let id = NextModelId::<T>::get();
		NextModelId::<T>::put(id.saturating_add(1));
		ModelByWeights::<T>::insert(model.weights.root, id);
		ReservedWeights::<T>::remove(model.weights.root);
		ModelsByOwner::<T>::insert(&model.owner, id, ());
		Self::deposit_event(Event::Registered {
			id,
			owner: model.owner.clone(),
			weights: model.weights,
			lineage: model.lineage,
			deposit,
		});
		Models::<T>::insert(id, model);
		Ok(id)
	}

	/// Holds more or releases some of the owner's deposit so it matches the record's size.
	fn settle_deposit(id: ModelId, model: &mut Model<T>) -> DispatchResult {
		let required = Self::required_deposit(model);
		let changed = deposit::settle::<_, T::Currency>(
			&HoldReason::ModelDeposit.into(),
			&model.owner,
			model.deposit,
			required,
			Error::<T>::InsufficientBalance,
		)?;
		if changed {
			model.deposit = required;
			Self::deposit_event(Event::DepositChanged { id, deposit: required });
		}
		Ok(())
	}

	/// Checks the pallet's invariants:
	/// - every account's held model deposit equals the sum of its active models' deposits;
	/// - the weights and owner indices point at the right models, and only those;
	/// - version links are mutual, ids are below `NextModelId`, scores are well formed.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		use frame_support::traits::fungible::InspectHold;

		let next_id = NextModelId::<T>::get();
		let mut deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut count = 0u64;
		for (id, model) in Models::<T>::iter() {
			count = count.saturating_add(1);
			ensure!(id < next_id, "model id at or above NextModelId");
			ensure!(
				ModelByWeights::<T>::get(model.weights.root) == Some(id),
				"weights index does not point back"
			);
			ensure!(
				ModelsByOwner::<T>::contains_key(&model.owner, id),
				"owner index entry missing"
			);
			if let Some(previous) = model.previous {
				ensure!(
					Models::<T>::get(previous).and_then(|p| p.next) == Some(id),
					"previous version does not link forward"
				);
			}
			if let Some(next) = model.next {
				ensure!(
					Models::<T>::get(next).and_then(|n| n.previous) == Some(id),
					"next version does not link back"
				);
			}
			match model.status {
				ModelStatus::Active => ensure!(
					model.deposit == Self::required_deposit(&model),
					"deposit does not match record size"
				),
				ModelStatus::Retired => {
					ensure!(model.deposit.is_zero(), "retired model still records a deposit")
				}
			}
			let entry = deposits.entry(model.owner.clone()).or_insert_with(Zero::zero);
			*entry = entry.saturating_add(model.deposit);
		}
		ensure!(
			ModelByWeights::<T>::iter().count() as u64 == count,
			"weights index has stale entries"
		);
		ensure!(
			ModelsByOwner::<T>::iter().count() as u64 == count,
			"owner index has stale entries"
		);
		for (owner, total) in deposits {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::ModelDeposit.into(), &owner) == total,
				"held model deposit differs from recorded deposits"
			);
		}
		for (model, _) in TrainedOn::<T>::iter() {
			ensure!(Models::<T>::contains_key(model), "training data of an unknown model");
		}
		for (root, _) in ReservedWeights::<T>::iter() {
			ensure!(!ModelByWeights::<T>::contains_key(root), "reserved weights are registered");
		}
		for (model, _, evaluation) in Evaluations::<T>::iter() {
			ensure!(Models::<T>::contains_key(model), "evaluation of an unknown model");
			ensure!(
				evaluation.total > 0 && evaluation.correct <= evaluation.total,
				"malformed evaluation"
			);
		}
		Ok(())
	}
}

impl<T: Config> ModelRegistry<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn register_trained(
		model: TrainedModel<T::AccountId, BalanceOf<T>>,
	) -> Result<ModelId, DispatchError> {
		let record = Self::new_model(
			model.owner,
			model.architecture,
			model.weights,
			model.uri,
			model.licence,
			model.inference_price,
			BoundedVec::new(),
			model.lineage,
		)?;
		let id = Self::insert_new(record)?;
		if !model.datasets.is_empty() {
			TrainedOn::<T>::insert(id, model.datasets);
		}
		Ok(id)
	}

	fn reserve_weights(weights: &ContentHash, job: JobId) -> DispatchResult {
		ensure!(weights.size > 0, Error::<T>::EmptyWeights);
		ensure!(!ModelByWeights::<T>::contains_key(weights.root), Error::<T>::DuplicateWeightsHash);
		ensure!(!ReservedWeights::<T>::contains_key(weights.root), Error::<T>::WeightsReserved);
		ReservedWeights::<T>::insert(weights.root, job);
		Ok(())
	}

	fn release_weights(weights: &ContentHash, job: JobId) {
		if ReservedWeights::<T>::get(weights.root) == Some(job) {
			ReservedWeights::<T>::remove(weights.root);
		}
	}

	fn reserved_for(weights: &ContentHash) -> Option<JobId> {
		ReservedWeights::<T>::get(weights.root)
	}

	fn record_evaluation(
		model: ModelId,
		dataset: DatasetId,
		correct: u32,
		total: u32,
		job: JobId,
	) -> DispatchResult {
		ensure!(Models::<T>::contains_key(model), Error::<T>::UnknownModel);
		ensure!(total > 0 && correct <= total, Error::<T>::InvalidEvaluation);
		let recorded_at = frame_system::Pallet::<T>::block_number();
		Evaluations::<T>::insert(model, dataset, Evaluation { correct, total, job, recorded_at });
		Self::deposit_event(Event::EvaluationRecorded { model, dataset, correct, total, job });
		Ok(())
	}

	fn architecture(model: ModelId) -> Option<ArchitectureSpec> {
		Models::<T>::get(model).map(|m| m.architecture)
	}

	fn weights(model: ModelId) -> Option<ContentHash> {
		Models::<T>::get(model).map(|m| m.weights)
	}

	fn owner(model: ModelId) -> Option<T::AccountId> {
		Models::<T>::get(model).map(|m| m.owner)
	}

	fn inference_price(model: ModelId) -> Option<BalanceOf<T>> {
		Models::<T>::get(model)
			.filter(|m| m.status == ModelStatus::Active)
			.map(|m| m.inference_price)
	}

	fn sources(model: ModelId) -> Option<Sources> {
		let parent = match Models::<T>::get(model)?.lineage {
			Lineage::FineTunedFrom { model, .. } => Some(model),
			Lineage::Uploaded | Lineage::TrainedBy { .. } => None,
		};
		Some(Sources { parent, datasets: TrainedOn::<T>::get(model).unwrap_or_default() })
	}
}
