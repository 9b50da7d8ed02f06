//! The worker's data directory: per-job state written atomically, so `kill -9` at any
//! instant leaves either the old or the new state on disk, never a torn one.
//!
//! ```text
//! DATA/content/<root>-<size>          verified files by content hash (datasets, models, weights)
//! DATA/jobs/<job>/state.json          what this worker has done for the job (JobState)
//! DATA/jobs/<job>/checkpoints/<i>     checkpoint i of a training run (safetensors)
//! DATA/jobs/<job>/checkpoints.json    the run's checkpoint hashes and Merkle root
//! DATA/jobs/<job>/states/<step>       a state of the run between checkpoints, recomputed
//!                                     for a dispute (defender) and served while it lasts
//! DATA/audits/<job>-<segment>.json    an audit's verdict and salt, before it is committed
//! DATA/disputes/<id>.json             this worker's part in a dispute (a juror's vote and
//!                                     salt, before it is committed)
//! DATA/disputes/<id>/states/<step>    states a challenger or juror replayed
//! DATA/keeper.json                    jobs and disputes the keeper watches
//! DATA/watch/<job>.json               what the watcher concluded for a job
//! ```
//!
//! A salt is written before the commitment that uses it is submitted, so a restart can
//! always reveal what it committed.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, synced,
/// then renamed over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
	let dir = path.parent().unwrap_or_else(|| Path::new("."));
	fs::create_dir_all(dir)?;
	let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
	let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
	{
		let mut file = fs::File::create(&tmp)?;
		file.write_all(bytes)?;
		file.sync_all()?;
	}
	fs::rename(&tmp, path)?;
	// The rename itself is durable once the directory is synced.
	if let Ok(d) = fs::File::open(dir) {
		let _ = d.sync_all();
	}
	Ok(())
}

/// Writes `value` as pretty JSON, atomically.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> anyhow::Result<()> {
	let bytes = serde_json::to_vec_pretty(value)?;
	write_atomic(path, &bytes)?;
	Ok(())
}

/// Reads JSON written by [`write_json`]; `None` if the file does not exist.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> anyhow::Result<Option<T>> {
	match fs::read(path) {
		Ok(bytes) => {
			Ok(Some(serde_json::from_slice(&bytes).map_err(|e| {
				anyhow::anyhow!("{} is not valid worker state: {e}", path.display())
			})?))
		}
		Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
		Err(e) => Err(anyhow::anyhow!("reading {}: {e}", path.display())),
	}
}

/// The layout of a data directory.
#[derive(Clone, Debug)]
pub struct DataDir {
	root: PathBuf,
}

impl DataDir {
	/// Opens (creating) a data directory.
	pub fn open(root: PathBuf) -> anyhow::Result<Self> {
		fs::create_dir_all(root.join("jobs"))?;
		fs::create_dir_all(root.join("audits"))?;
		fs::create_dir_all(root.join("disputes"))?;
		fs::create_dir_all(root.join("content"))?;
		Ok(Self { root })
	}

	/// The verified-content cache.
	pub fn content(&self) -> PathBuf {
		self.root.join("content")
	}

	/// A job's directory.
	pub fn job(&self, job: u64) -> PathBuf {
		self.root.join("jobs").join(job.to_string())
	}

	/// A job's state file.
	pub fn job_state(&self, job: u64) -> PathBuf {
		self.job(job).join("state.json")
	}

	/// Checkpoint `index` of a job's run.
	pub fn checkpoint(&self, job: u64, index: u32) -> PathBuf {
		self.job(job).join("checkpoints").join(format!("{index}.safetensors"))
	}

	/// The checkpoint log of a job's run.
	pub fn checkpoint_log(&self, job: u64) -> PathBuf {
		self.job(job).join("checkpoints.json")
	}

	/// This worker's state of its run of `job` at `step`, recomputed between checkpoints.
	pub fn state(&self, job: u64, step: u64) -> PathBuf {
		self.job(job).join("states").join(format!("{step}.safetensors"))
	}

	/// This worker's record of its part in a dispute.
	pub fn dispute(&self, id: u64) -> PathBuf {
		self.root.join("disputes").join(format!("{id}.json"))
	}

	/// A state this worker replayed for a dispute.
	pub fn dispute_state(&self, id: u64, step: u64) -> PathBuf {
		self.root.join("disputes").join(id.to_string()).join(format!("{step}.safetensors"))
	}

	/// The latest step at or before `step` of which this worker keeps a replayed state for
	/// dispute `id` (one directory listing, however far apart the steps are).
	pub fn latest_dispute_state(&self, id: u64, step: u64) -> Option<u64> {
		fs::read_dir(self.root.join("disputes").join(id.to_string()))
			.ok()?
			.filter_map(|entry| {
				let name = entry.ok()?.file_name();
				name.to_str()?.strip_suffix(".safetensors")?.parse::<u64>().ok()
			})
			.filter(|s| *s <= step)
			.max()
	}

	/// Removes what this worker kept for a dispute that ended.
	pub fn prune_dispute(&self, id: u64) {
		let _ = fs::remove_file(self.dispute(id));
		let _ = fs::remove_dir_all(self.root.join("disputes").join(id.to_string()));
	}

	/// Dispute ids this worker keeps something for.
	pub fn disputes_on_disk(&self) -> Vec<u64> {
		let mut ids: Vec<u64> = fs::read_dir(self.root.join("disputes"))
			.map(|entries| {
				entries
					.filter_map(|e| {
						let name = e.ok()?.file_name();
						let name = name.to_str()?;
						name.strip_suffix(".json").unwrap_or(name).parse().ok()
					})
					.collect()
			})
			.unwrap_or_default();
		ids.sort_unstable();
		ids.dedup();
		ids
	}

	/// An audit's verdict and salt.
	pub fn audit(&self, job: u64, segment: u32) -> PathBuf {
		self.root.join("audits").join(format!("{job}-{segment}.json"))
	}

	/// What the watcher concluded for a job.
	pub fn watch(&self, job: u64) -> PathBuf {
		self.root.join("watch").join(format!("{job}.json"))
	}

	/// The keeper's watch list.
	pub fn keeper(&self) -> PathBuf {
		self.root.join("keeper.json")
	}

	/// Removes a finished job's files (checkpoints are served only while the job is open).
	pub fn prune_job(&self, job: u64) {
		let _ = fs::remove_dir_all(self.job(job));
	}

	/// Job ids that have a directory here.
	pub fn jobs_on_disk(&self) -> Vec<u64> {
		fs::read_dir(self.root.join("jobs"))
			.map(|entries| {
				entries.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect()
			})
			.unwrap_or_default()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn atomic_writes_replace_whole_files() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("a/b/state.json");
		write_json(&path, &vec![1, 2, 3]).unwrap();
		assert_eq!(read_json::<Vec<u32>>(&path).unwrap(), Some(vec![1, 2, 3]));
		write_json(&path, &vec![4]).unwrap();
		assert_eq!(read_json::<Vec<u32>>(&path).unwrap(), Some(vec![4]));
		assert_eq!(read_json::<Vec<u32>>(&dir.path().join("none")).unwrap(), None);
		// No temporary file is left behind.
		let names: Vec<_> = fs::read_dir(path.parent().unwrap()).unwrap().collect();
		assert_eq!(names.len(), 1);
		fs::write(&path, b"{torn").unwrap();
		assert!(read_json::<Vec<u32>>(&path).is_err());
	}

	#[test]
	fn the_layout_lists_and_prunes_jobs() {
		let dir = tempfile::tempdir().unwrap();
		let data = DataDir::open(dir.path().to_owned()).unwrap();
		write_atomic(&data.checkpoint(7, 0), b"c").unwrap();
		write_atomic(&data.job_state(9), b"{}").unwrap();
		let mut jobs = data.jobs_on_disk();
		jobs.sort();
		assert_eq!(jobs, vec![7, 9]);
		data.prune_job(7);
		assert_eq!(data.jobs_on_disk(), vec![9]);
	}

	#[test]
	fn the_latest_replayed_dispute_state_at_or_before_a_step() {
		let dir = tempfile::tempdir().unwrap();
		let data = DataDir::open(dir.path().to_owned()).unwrap();
		assert_eq!(data.latest_dispute_state(3, 1_000_000), None);
		for step in [0, 40, 1_200] {
			write_atomic(&data.dispute_state(3, step), b"s").unwrap();
		}
		write_atomic(&data.dispute_state(4, 900), b"s").unwrap();
		fs::write(data.dispute_state(3, 0).with_file_name("notes.txt"), b"x").unwrap();
		assert_eq!(data.latest_dispute_state(3, 1_000_000), Some(1_200));
		assert_eq!(data.latest_dispute_state(3, 1_199), Some(40));
		assert_eq!(data.latest_dispute_state(3, 40), Some(40));
		assert_eq!(data.latest_dispute_state(3, 39), Some(0));
		data.prune_dispute(3);
		assert_eq!(data.latest_dispute_state(3, 1_000_000), None);
	}
}
