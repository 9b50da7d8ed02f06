//! What the pallets ask of each other about the catalogue: the datasets pallet answers
//! [`DatasetInspect`], the models pallet [`ModelRegistry`], and the compute pallet uses
//! both. The traits live here, beside the types they speak in, so a pallet that uses the
//! catalogue depends on these definitions and not on the pallets that implement them.

use alloc::vec::Vec;
use bounded_collections::{BoundedVec, ConstU32};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::pallet_prelude::{DispatchError, DispatchResult};
use scale_info::TypeInfo;

use crate::{
	ArchitectureSpec, ContentHash, DatasetFormat, DatasetId, JobId, Licence, ModelId, Uri,
};

/// Who may read an active dataset.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Readers<AccountId> {
	/// Anyone (a public listing).
	Anyone,
	/// Only these accounts: the owner and the allow-list.
	Only(Vec<AccountId>),
}

impl<AccountId: PartialEq> Readers<AccountId> {
	/// Whether `who` is among the readers.
	pub fn allows(&self, who: &AccountId) -> bool {
		match self {
			Readers::Anyone => true,
			Readers::Only(accounts) => accounts.contains(who),
		}
	}
}

/// Read access to listings, for the pallets that use datasets in jobs.
pub trait DatasetInspect<AccountId, Balance> {
	/// Who may read `dataset`; `None` if it does not exist or is retired. One storage read,
	/// so a caller can check many accounts without reading the listing again.
	fn readers(dataset: DatasetId) -> Option<Readers<AccountId>>;
	/// Whether `who` may use `dataset` in a job: it is active and public, or `who` owns it or
	/// is on its allow-list.
	fn can_use(who: &AccountId, dataset: DatasetId) -> bool;
	/// The owner of `dataset`, whatever its status.
	fn owner(dataset: DatasetId) -> Option<AccountId>;
	/// What one use of an active `dataset` costs.
	fn price_per_use(dataset: DatasetId) -> Option<Balance>;
	/// The content hash of `dataset`, whatever its status.
	fn content(dataset: DatasetId) -> Option<ContentHash>;
	/// The format of `dataset`, whatever its status.
	fn format(dataset: DatasetId) -> Option<DatasetFormat>;
	/// An open job uses `dataset`: until it ends, who may read the listing (visibility,
	/// allow-list, status) stays as it was when the job was posted, so its owner cannot
	/// pick the job's auditors and jurors, or leave it none.
	fn freeze(dataset: DatasetId);
	/// A job that used `dataset` ended.
	fn thaw(dataset: DatasetId);
	/// How many open jobs use `dataset`.
	fn jobs_using(dataset: DatasetId) -> u32;
}

/// Where a model's weights came from.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum Lineage {
	/// Uploaded by its owner; nothing on chain vouches for how it was trained.
	Uploaded,
	/// Trained from scratch by a verified training job.
	TrainedBy { job: JobId },
	/// Fine-tuned from another registered model by a verified training job.
	FineTunedFrom { model: ModelId, job: JobId },
}

/// The most datasets a trained model records as what it was trained on.
pub const MAX_TRAINING_DATASETS: u32 = 8;

/// The datasets a model was trained on.
pub type TrainingData = BoundedVec<DatasetId, ConstU32<MAX_TRAINING_DATASETS>>;

/// What a model was made from: where a share of its royalties flows.
#[derive(Clone, PartialEq, Eq, Default, Debug)]
pub struct Sources {
	/// The model it was fine-tuned from.
	pub parent: Option<ModelId>,
	/// The datasets its training job read (validation excluded).
	pub datasets: TrainingData,
}

/// What a model registration from a verified training job carries.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TrainedModel<AccountId, Balance> {
	/// Who owns the new model (the job's poster).
	pub owner: AccountId,
	/// Its architecture.
	pub architecture: ArchitectureSpec,
	/// Content hash of the trained weights.
	pub weights: ContentHash,
	/// Where the worker serves the weights.
	pub uri: Uri,
	/// The licence the owner chose when posting the job.
	pub licence: Licence,
	/// Price per inference.
	pub inference_price: Balance,
	/// `TrainedBy` or `FineTunedFrom`.
	pub lineage: Lineage,
	/// The datasets the job trained on.
	pub datasets: TrainingData,
}

/// Writes to the registry that only the compute pallet may make, and the reads it needs.
pub trait ModelRegistry<AccountId, Balance> {
	/// Registers a model produced by a verified training job, holding its deposit from the
	/// owner.
	fn register_trained(model: TrainedModel<AccountId, Balance>) -> Result<ModelId, DispatchError>;
	/// Records a verified score of `model` on `dataset`, replacing an older one.
	fn record_evaluation(
		model: ModelId,
		dataset: DatasetId,
		correct: u32,
		total: u32,
		job: JobId,
	) -> DispatchResult;
	/// The architecture of `model`, whatever its status.
	fn architecture(model: ModelId) -> Option<ArchitectureSpec>;
	/// The weights of `model`, whatever its status.
	fn weights(model: ModelId) -> Option<ContentHash>;
	/// The owner of `model`, whatever its status.
	fn owner(model: ModelId) -> Option<AccountId>;
	/// Reserves `weights` for the model training job `job` will register: from the
	/// trainer's submission on, nobody else may register them (and squat its royalties).
	fn reserve_weights(weights: &ContentHash, job: JobId) -> DispatchResult;
	/// Frees the reservation of a job that ended without registering its model.
	fn release_weights(weights: &ContentHash, job: JobId);
	/// The job `weights` are reserved for, if any.
	fn reserved_for(weights: &ContentHash) -> Option<JobId>;
	/// What one inference with an active `model` costs.
	fn inference_price(model: ModelId) -> Option<Balance>;
	/// What `model` was made from, whatever its status (retired models keep their lineage).
	fn sources(model: ModelId) -> Option<Sources>;
}
