//! The runtime API a worker (or a UI) reads its work from, without scanning storage.

use super::*;

sp_api::decl_runtime_apis! {
	/// Reads of the compute market.
	pub trait ComputeApi<AccountId, Balance, Worker, Job, Dispute, Quote, JobSpec>
	where
		AccountId: codec::Codec,
		Balance: codec::Codec,
		Worker: codec::Codec,
		Job: codec::Codec,
		Dispute: codec::Codec,
		Quote: codec::Codec,
		JobSpec: codec::Codec,
	{
		/// A worker's record.
		fn worker(who: AccountId) -> Option<Worker>;
		/// A worker's open duties: jobs to run, segments to audit, disputes to defend or
		/// pursue, juries to sit on.
		fn duties(who: AccountId) -> Vec<Duty>;
		/// An open job's full state.
		fn job(job: JobId) -> Option<Job>;
		/// An open dispute's full state.
		fn dispute(dispute: DisputeId) -> Option<Dispute>;
		/// What posting `spec` would hold from `poster`, every share named.
		fn quote(
			poster: AccountId,
			spec: JobSpec,
			verification: Verification,
			reward: Balance,
		) -> Result<Quote, sp_runtime::DispatchError>;
	}
}

impl<T: Config> Pallet<T> {
	/// A worker's open duties.
	pub fn duties_of(who: &T::AccountId) -> Vec<Duty> {
		Duties::<T>::iter_key_prefix(who).collect()
	}
}
