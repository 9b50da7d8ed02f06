//! The origins Verity's referendum tracks dispatch with, and the pace of those tracks.
//!
//! A referendum that passes on a track dispatches its call with that track's origin; each
//! Verity pallet accepts one of these origins (or root) for its privileged calls:
//!
//! | origin | track | may |
//! |---|---|---|
//! | [`MarketAdmin`] | `market_admin` | set compute parameters and tolerances, resolve dataset flags |
//! | [`Treasurer`] | `treasurer` | spend from the treasury (up to a limit per spend) |
//! | [`Arbitration`] | `arbitration` | overturn a jury's verdict, rule an escalated dispute |

pub use pallet_verity_origins::*;

#[frame_support::pallet]
pub mod pallet_verity_origins {
	use frame_support::pallet_prelude::*;

	#[pallet::config]
	pub trait Config: frame_system::Config {}

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// The origin a track's passed referenda dispatch with.
	#[derive(
		PartialEq, Eq, Clone, MaxEncodedLen, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug,
	)]
	#[pallet::origin]
	pub enum Origin {
		/// The market's rules: compute parameters, tolerances ε, dataset flags.
		MarketAdmin,
		/// Treasury spends.
		Treasurer,
		/// Disputes the jury could not settle, and appeals of its verdicts.
		Arbitration,
	}

	/// How long the referendum tracks take.
	#[derive(
		Clone,
		Copy,
		PartialEq,
		Eq,
		Default,
		Debug,
		Encode,
		Decode,
		DecodeWithMemTracking,
		MaxEncodedLen,
		TypeInfo,
		frame_support::Serialize,
		frame_support::Deserialize,
	)]
	#[serde(crate = "frame_support::__private::serde")]
	pub enum Pace {
		/// Hours to weeks, sized for a public chain with 6-second blocks.
		#[default]
		Production,
		/// Blocks, so that on a development chain a referendum goes from submission to
		/// enactment in a couple of minutes.
		Fast,
	}

	/// The pace of every track, fixed at genesis: no call changes it (root could only
	/// rewrite the storage item itself). One runtime serves every chain this way; a second
	/// WASM built with short periods would double the runtime's build.
	#[pallet::storage]
	pub type TrackPace<T> = StorageValue<_, Pace, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		pub pace: Pace,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			TrackPace::<T>::put(self.pace);
		}
	}

	/// Implements `EnsureOrigin` for an origin of this pallet, for use as a pallet's
	/// `Config` origin.
	macro_rules! ensure_origin {
		( $( $name:ident ),* ) => { $(
			pub struct $name;
			impl<O: OriginTrait + From<Origin>> EnsureOrigin<O> for $name
			where
				for<'a> &'a O::PalletsOrigin: TryInto<&'a Origin>,
			{
				type Success = ();
				fn try_origin(o: O) -> Result<Self::Success, O> {
					let is_ours = matches!(o.caller().try_into(), Ok(Origin::$name));
					if is_ours { Ok(()) } else { Err(o) }
				}
				#[cfg(feature = "runtime-benchmarks")]
				fn try_successful_origin() -> Result<O, ()> {
					Ok(O::from(Origin::$name))
				}
			}
		)* };
	}
	ensure_origin!(MarketAdmin, Treasurer, Arbitration);
}
