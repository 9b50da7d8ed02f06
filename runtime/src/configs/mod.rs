//! Configuration of every pallet in the runtime, one file per concern.

mod collators;
pub mod governance;
mod monetary;
pub mod parachain;
mod system;
mod utility;
mod verity;
pub mod xcm_config;

pub use monetary::WeightToFee;
pub use system::RuntimeBlockWeights;
