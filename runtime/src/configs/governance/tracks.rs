//! Verity's referendum tracks: who may decide what, with how much support, how fast.
//!
//! | id | track | origin | decides |
//! |---|---|---|---|
//! | 0 | `root` | root | anything: runtime upgrades, emission, the tracks themselves |
//! | 1 | `market_admin` | [`MarketAdmin`](super::MarketAdmin) | compute parameters, tolerance ε per family, dataset flags |
//! | 2 | `treasurer` | [`Treasurer`](super::Treasurer) | treasury spends up to `TreasurerSpendLimit` each |
//! | 3 | `arbitration` | [`Arbitration`](super::Arbitration) | overturning a jury's verdict, ruling an escalated dispute |
//!
//! Every track has two timetables of the same shape: [`Pace::Production`] (hours to weeks
//! at 6-second blocks) and [`Pace::Fast`] (blocks, for development chains); the genesis
//! preset picks one. The approval and support curves are fractions of the decision period,
//! so they are shared by both.

use alloc::borrow::Cow;
use pallet_referenda::{Curve, Track, TrackInfo};
use sp_runtime::{str_array as name, FixedI64};

use super::origins::{Origin, Pace, TrackPace};
use crate::{Balance, BlockNumber, OriginCaller, Runtime, DAYS, HOURS, MINUTES, UNIT};

const fn percent(x: u128) -> FixedI64 {
	FixedI64::from_rational(x, 100)
}

/// Root changes the rules for everyone: a majority that starts near unanimity, and half
/// the active issuance turning out early on, falling to none by the end.
const APPROVAL_ROOT: Curve = Curve::make_reciprocal(4, 28, percent(80), percent(50), percent(100));
const SUPPORT_ROOT: Curve = Curve::make_linear(28, 28, percent(0), percent(50));
/// Market rules are tuned often: a clear majority, and a tenth of the active issuance by a
/// quarter of the decision period.
const APPROVAL_MARKET: Curve =
	Curve::make_reciprocal(4, 28, percent(80), percent(50), percent(100));
const SUPPORT_MARKET: Curve = Curve::make_reciprocal(7, 28, percent(10), percent(0), percent(50));
/// Spends are bounded per referendum: a clear majority, modest turnout.
const APPROVAL_TREASURER: Curve =
	Curve::make_reciprocal(4, 28, percent(80), percent(50), percent(100));
const SUPPORT_TREASURER: Curve =
	Curve::make_reciprocal(12, 28, percent(1), percent(0), percent(50));
/// Arbitration overrides a jury or stands in for one: never less than three in five of the
/// votes, and a twentieth of the active issuance by a tenth of the decision period.
const APPROVAL_ARBITRATION: Curve = Curve::make_linear(20, 20, percent(60), percent(100));
const SUPPORT_ARBITRATION: Curve =
	Curve::make_reciprocal(2, 20, percent(5), percent(0), percent(30));

/// How long each phase of a track's referenda lasts, in blocks.
struct Timetable {
	prepare: BlockNumber,
	decision: BlockNumber,
	confirm: BlockNumber,
	min_enactment: BlockNumber,
}

/// What a track is at either pace: all but its timetable.
struct TrackSpec {
	id: u16,
	name: &'static str,
	max_deciding: u32,
	decision_deposit: Balance,
	min_approval: Curve,
	min_support: Curve,
}

impl TrackSpec {
	/// The track with `timetable`.
	const fn at(self, timetable: Timetable) -> Track<u16, Balance, BlockNumber> {
		Track {
			id: self.id,
			info: TrackInfo {
				name: name(self.name),
				max_deciding: self.max_deciding,
				decision_deposit: self.decision_deposit,
				prepare_period: timetable.prepare,
				decision_period: timetable.decision,
				confirm_period: timetable.confirm,
				min_enactment_period: timetable.min_enactment,
				min_approval: self.min_approval,
				min_support: self.min_support,
			},
		}
	}
}

const ROOT: TrackSpec = TrackSpec {
	id: 0,
	name: "root",
	max_deciding: 1,
	decision_deposit: 50_000 * UNIT,
	min_approval: APPROVAL_ROOT,
	min_support: SUPPORT_ROOT,
};
const MARKET_ADMIN: TrackSpec = TrackSpec {
	id: 1,
	name: "market_admin",
	max_deciding: 10,
	decision_deposit: 1_000 * UNIT,
	min_approval: APPROVAL_MARKET,
	min_support: SUPPORT_MARKET,
};
const TREASURER: TrackSpec = TrackSpec {
	id: 2,
	name: "treasurer",
	max_deciding: 10,
	decision_deposit: 1_000 * UNIT,
	min_approval: APPROVAL_TREASURER,
	min_support: SUPPORT_TREASURER,
};
const ARBITRATION: TrackSpec = TrackSpec {
	id: 3,
	name: "arbitration",
	// Every dispute of a busy day may escalate at once.
	max_deciding: 50,
	// Cheap enough that the wronged party of a dispute can bring it to a vote.
	decision_deposit: 100 * UNIT,
	min_approval: APPROVAL_ARBITRATION,
	min_support: SUPPORT_ARBITRATION,
};

/// The arbitration track's fastest ruling: prepared, confirmed and enacted.
const PRODUCTION_ARBITRATION: Timetable =
	Timetable { prepare: 10 * MINUTES, decision: 20 * HOURS, confirm: HOURS, min_enactment: 1 };

// A ruling that passes at the first chance must land inside the compute market's appeal
// window (a day by its recommended parameters), or the verdict is enforced before it.
const _: () = assert!(
	PRODUCTION_ARBITRATION.prepare
		+ PRODUCTION_ARBITRATION.confirm
		+ PRODUCTION_ARBITRATION.min_enactment
		< DAYS
);

/// Hours to weeks at 6-second blocks.
const PRODUCTION: [Track<u16, Balance, BlockNumber>; 4] = [
	ROOT.at(Timetable {
		prepare: 2 * HOURS,
		decision: 14 * DAYS,
		confirm: DAYS,
		min_enactment: DAYS,
	}),
	MARKET_ADMIN.at(Timetable {
		prepare: HOURS,
		decision: 7 * DAYS,
		confirm: 3 * HOURS,
		min_enactment: HOURS,
	}),
	TREASURER.at(Timetable {
		prepare: 2 * HOURS,
		decision: 14 * DAYS,
		confirm: 12 * HOURS,
		min_enactment: DAYS,
	}),
	ARBITRATION.at(PRODUCTION_ARBITRATION),
];

/// The same tracks in blocks: with 1-second blocks a referendum that the dev accounts
/// back passes in well under two minutes (root, which needs the most support, in about
/// ninety seconds).
const FAST: [Track<u16, Balance, BlockNumber>; 4] = [
	ROOT.at(Timetable { prepare: 2, decision: 100, confirm: 5, min_enactment: 2 }),
	MARKET_ADMIN.at(Timetable { prepare: 2, decision: 100, confirm: 4, min_enactment: 1 }),
	TREASURER.at(Timetable { prepare: 2, decision: 100, confirm: 4, min_enactment: 1 }),
	ARBITRATION.at(Timetable { prepare: 2, decision: 60, confirm: 3, min_enactment: 1 }),
];

/// The tracks at the pace chosen at genesis.
pub struct TracksInfo;

impl pallet_referenda::TracksInfo<Balance, BlockNumber> for TracksInfo {
	type Id = u16;
	type RuntimeOrigin = OriginCaller;

	fn tracks() -> impl Iterator<Item = Cow<'static, Track<Self::Id, Balance, BlockNumber>>> {
		let tracks = match TrackPace::<Runtime>::get() {
			Pace::Production => &PRODUCTION,
			Pace::Fast => &FAST,
		};
		tracks.iter().map(Cow::Borrowed)
	}

	fn track_for(origin: &Self::RuntimeOrigin) -> Result<Self::Id, ()> {
		match origin {
			OriginCaller::system(frame_system::RawOrigin::Root) => Ok(ROOT.id),
			OriginCaller::Origins(Origin::MarketAdmin) => Ok(MARKET_ADMIN.id),
			OriginCaller::Origins(Origin::Treasurer) => Ok(TREASURER.id),
			OriginCaller::Origins(Origin::Arbitration) => Ok(ARBITRATION.id),
			_ => Err(()),
		}
	}
}

/// A `Get` of a period that depends on the pace of the tracks.
macro_rules! paced {
	( $( $(#[$doc:meta])* $name:ident = { production: $production:expr, fast: $fast:expr } ),* $(,)? ) => { $(
		$(#[$doc])*
		pub struct $name;
		impl frame_support::traits::Get<BlockNumber> for $name {
			fn get() -> BlockNumber {
				match TrackPace::<Runtime>::get() {
					Pace::Production => $production,
					Pace::Fast => $fast,
				}
			}
		}
	)* };
}

paced! {
	/// How long a referendum may wait for its decision deposit before it times out.
	UndecidingTimeout = { production: 14 * DAYS, fast: 200 },
	/// How long a vote at 1× conviction locks its balance after the referendum ends.
	VoteLockingPeriod = { production: 7 * DAYS, fast: 10 },
}
