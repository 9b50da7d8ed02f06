//! How payments and slashes leave the compute pallet: the compute pallet decides *who*
//! earned *what*, the rewards pallet keeps the books. Shared so neither pallet depends on
//! the other.

use crate::JobId;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Why an account earned an amount: lets the books (and the events) tell the kinds apart.
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
pub enum Share {
	/// A worker's reward for a job.
	Worker,
	/// An auditor's share of the audit fee.
	Auditor,
	/// A dataset's use fee.
	DataOwner,
	/// A model's royalty.
	ModelOwner,
	/// Protocol fees, rounding dust, and slashes nobody else earned.
	Treasury,
	/// The winning party of a dispute.
	DisputeWinner,
	/// A majority juror.
	Juror,
	/// The part of a model's royalty that flows up its lineage: to a parent model's owner
	/// or to the owner of a dataset an ancestor was trained on.
	Lineage,
}

/// Receives every share of a job's payment or of a slash, as a credit (funds already taken
/// from the poster's escrow or the loser's stake), and the verified work of each job.
pub trait RouteRewards<AccountId, Credit> {
	/// `amount` was earned by `to` as `share` in `job`.
	fn route(job: JobId, share: Share, to: &AccountId, amount: Credit);

	/// `worker` did `units` of verified work in `job` (see the rewards pallet's emission).
	fn work_verified(_job: JobId, _worker: &AccountId, _units: u128) {}
}
