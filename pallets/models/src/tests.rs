//! Tests for every call's success path and every error it can return, and for the
//! registry writes only the compute pallet makes.

use crate::{mock::*, *};
// The runtime's pallet, not the storage map of the same name.
use crate::mock::Models;
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};
use sp_runtime::DispatchError;
use verity_primitives::{Activation, LeNetSpec, MlpSpec};

const URI: &[u8] = b"ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";

fn mlp() -> ArchitectureSpec {
	ArchitectureSpec::Mlp(MlpSpec {
		inputs: 784,
		hidden: vec![128].try_into().unwrap(),
		outputs: 10,
		activation: Activation::Relu,
	})
}

fn weights(seed: u8) -> ContentHash {
	ContentHash { root: [seed; 32], size: 409_000 }
}

fn register(owner: AccountId, seed: u8) -> ModelId {
	let id = NextModelId::<Test>::get();
	assert_ok!(Models::register(
		RuntimeOrigin::signed(owner),
		mlp(),
		weights(seed),
		URI.to_vec(),
		Licence::Apache2,
		40,
		b"MLP on Fashion-MNIST".to_vec(),
	));
	id
}

fn model(id: ModelId) -> Model<Test> {
	crate::Models::<Test>::get(id).expect("model exists")
}

fn held(who: AccountId) -> Balance {
	<Balances as InspectHold<AccountId>>::balance_on_hold(
		&RuntimeHoldReason::Models(HoldReason::ModelDeposit),
		&who,
	)
}

fn trained(owner: AccountId, seed: u8, lineage: Lineage) -> TrainedModel<AccountId, Balance> {
	TrainedModel {
		owner,
		architecture: mlp(),
		weights: weights(seed),
		uri: Uri::parse(URI).unwrap(),
		licence: Licence::Cc0,
		inference_price: 5,
		lineage,
		datasets: BoundedVec::truncate_from(vec![u64::from(seed), 100]),
	}
}

mod register {
	use super::*;

	#[test]
	fn registers_an_uploaded_model_and_holds_its_deposit() {
		ExtBuilder::build_and_execute(|| {
			let id = register(ALICE, 1);
			let record = model(id);
			assert_eq!(record.owner, ALICE);
			assert_eq!(record.lineage, Lineage::Uploaded);
			assert_eq!((record.version, record.previous, record.next), (1, None, None));
			let expected = DEPOSIT_BASE + DEPOSIT_PER_BYTE * record.encoded_size() as Balance;
			assert_eq!(record.deposit, expected);
			assert_eq!(held(ALICE), expected);
			assert_eq!(ModelByWeights::<Test>::get([1; 32]), Some(id));
			assert!(ModelsByOwner::<Test>::contains_key(ALICE, id));
			System::assert_last_event(
				Event::Registered {
					id,
					owner: ALICE,
					weights: weights(1),
					lineage: Lineage::Uploaded,
					deposit: expected,
				}
				.into(),
			);
		});
	}

	fn try_register(
		who: AccountId,
		architecture: ArchitectureSpec,
		weights: ContentHash,
		uri: &[u8],
		licence: Licence,
		description: Vec<u8>,
	) -> DispatchResult {
		Models::register(
			RuntimeOrigin::signed(who),
			architecture,
			weights,
			uri.to_vec(),
			licence,
			1,
			description,
		)
	}

	#[test]
	fn refuses_bad_input_and_loses_nothing() {
		ExtBuilder::build_and_execute(|| {
			register(ALICE, 1);
			assert_noop!(
				try_register(BOB, mlp(), weights(1), URI, Licence::Mit, vec![]),
				Error::<Test>::DuplicateWeightsHash
			);
			assert_noop!(
				try_register(
					BOB,
					mlp(),
					ContentHash { root: [2; 32], size: 0 },
					URI,
					Licence::Mit,
					vec![]
				),
				Error::<Test>::EmptyWeights
			);
			assert_noop!(
				try_register(BOB, mlp(), weights(2), b"ftp://x/y", Licence::Mit, vec![]),
				Error::<Test>::InvalidUri(UriError::UnsupportedScheme)
			);
			assert_noop!(
				try_register(BOB, mlp(), weights(2), b"https://", Licence::Mit, vec![]),
				Error::<Test>::InvalidUri(UriError::Malformed)
			);
			let too_long = [b"https://".as_slice(), &[b'a'; 300]].concat();
			assert_noop!(
				try_register(BOB, mlp(), weights(2), &too_long, Licence::Mit, vec![]),
				Error::<Test>::InvalidUri(UriError::TooLong)
			);
			assert_noop!(
				try_register(
					BOB,
					mlp(),
					weights(2),
					URI,
					Licence::Mit,
					vec![b'x'; MAX_DESCRIPTION as usize + 1]
				),
				Error::<Test>::DescriptionTooLong
			);
			assert_noop!(
				try_register(
					BOB,
					mlp(),
					weights(2),
					URI,
					Licence::Custom(Default::default()),
					vec![]
				),
				Error::<Test>::InvalidLicence
			);
			assert_noop!(
				try_register(PAUPER, mlp(), weights(2), URI, Licence::Mit, vec![]),
				Error::<Test>::InsufficientBalance
			);
			assert_noop!(
				Models::register(
					RuntimeOrigin::none(),
					mlp(),
					weights(2),
					URI.to_vec(),
					Licence::Mit,
					1,
					vec![]
				),
				DispatchError::BadOrigin
			);
		});
	}

	#[test]
	fn refuses_architectures_the_ml_crate_cannot_run() {
		ExtBuilder::build_and_execute(|| {
			let lenet = |channels, side, classes| {
				ArchitectureSpec::LeNet(LeNetSpec { channels, height: side, width: side, classes })
			};
			let zero_width = ArchitectureSpec::Mlp(MlpSpec {
				inputs: 784,
				hidden: vec![0].try_into().unwrap(),
				outputs: 10,
				activation: Activation::Tanh,
			});
			let huge = ArchitectureSpec::Mlp(MlpSpec {
				inputs: 1_000_000,
				hidden: vec![1_000].try_into().unwrap(),
				outputs: 10,
				activation: Activation::Gelu,
			});
			for (architecture, error) in [
				(zero_width, Error::<Test>::ZeroWidthLayer),
				(lenet(1, 28, 1), Error::<Test>::TooFewClasses),
				(lenet(1, 8, 10), Error::<Test>::UnsupportedInputShape),
				(huge, Error::<Test>::TooManyParameters),
			] {
				assert_noop!(
					try_register(ALICE, architecture, weights(3), URI, Licence::Mit, vec![]),
					error
				);
			}
			assert_ok!(try_register(
				ALICE,
				lenet(1, 28, 10),
				weights(3),
				URI,
				Licence::Mit,
				vec![]
			));
		});
	}
}

mod versions {
	use super::*;

	#[test]
	fn publish_version_links_the_chain_both_ways() {
		ExtBuilder::build_and_execute(|| {
			let first = register(ALICE, 1);
			assert_ok!(Models::publish_version(
				RuntimeOrigin::signed(ALICE),
				first,
				weights(2),
				URI.to_vec()
			));
			let second = first + 1;
			System::assert_last_event(
				Event::VersionPublished { id: second, previous: first, version: 2 }.into(),
			);
			let (a, b) = (model(first), model(second));
			assert_eq!(a.next, Some(second));
			assert_eq!((b.previous, b.version), (Some(first), 2));
			assert_eq!(b.architecture, a.architecture);
			assert_eq!(held(ALICE), a.deposit + b.deposit);
		});
	}

	#[test]
	fn publish_version_errors() {
		ExtBuilder::build_and_execute(|| {
			let first = register(ALICE, 1);
			assert_noop!(
				Models::publish_version(
					RuntimeOrigin::signed(BOB),
					first,
					weights(2),
					URI.to_vec()
				),
				Error::<Test>::NotOwner
			);
			assert_noop!(
				Models::publish_version(RuntimeOrigin::signed(ALICE), 7, weights(2), URI.to_vec()),
				Error::<Test>::UnknownModel
			);
			assert_noop!(
				Models::publish_version(
					RuntimeOrigin::signed(ALICE),
					first,
					weights(1),
					URI.to_vec()
				),
				Error::<Test>::DuplicateWeightsHash
			);
			assert_ok!(Models::publish_version(
				RuntimeOrigin::signed(ALICE),
				first,
				weights(2),
				URI.to_vec()
			));
			assert_noop!(
				Models::publish_version(
					RuntimeOrigin::signed(ALICE),
					first,
					weights(3),
					URI.to_vec()
				),
				Error::<Test>::NotLatestVersion
			);
		});
	}
}

mod owner_updates {
	use super::*;

	#[test]
	fn set_price_and_set_uri() {
		ExtBuilder::build_and_execute(|| {
			let id = register(ALICE, 1);
			assert_ok!(Models::set_price(RuntimeOrigin::signed(ALICE), id, 77));
			System::assert_last_event(Event::PriceChanged { id, inference_price: 77 }.into());
			assert_eq!(<Models as ModelRegistry<_, _>>::inference_price(id), Some(77));

			let shorter = b"https://m.example/w".to_vec();
			let before = model(id).deposit;
			assert_ok!(Models::set_uri(RuntimeOrigin::signed(ALICE), id, shorter.clone()));
			System::assert_last_event(
				Event::UriChanged { id, uri: Uri::parse(&shorter).unwrap() }.into(),
			);
			// Shorter by the bytes and by one byte of length prefix (63 bytes or fewer now).
			assert_eq!(model(id).deposit, before - (URI.len() - shorter.len() + 1) as Balance);
			assert_eq!(held(ALICE), model(id).deposit);
		});
	}

	#[test]
	fn only_the_owner_updates_an_active_model() {
		ExtBuilder::build_and_execute(|| {
			let id = register(ALICE, 1);
			assert_noop!(
				Models::set_price(RuntimeOrigin::signed(BOB), id, 1),
				Error::<Test>::NotOwner
			);
			assert_noop!(
				Models::set_uri(RuntimeOrigin::signed(BOB), id, URI.to_vec()),
				Error::<Test>::NotOwner
			);
			assert_noop!(Models::retire(RuntimeOrigin::signed(BOB), id), Error::<Test>::NotOwner);
			assert_noop!(
				Models::set_price(RuntimeOrigin::signed(ALICE), 9, 1),
				Error::<Test>::UnknownModel
			);
			assert_noop!(
				Models::set_uri(RuntimeOrigin::signed(ALICE), id, b"mailto:me".to_vec()),
				Error::<Test>::InvalidUri(UriError::UnsupportedScheme)
			);
			assert_ok!(Models::retire(RuntimeOrigin::signed(ALICE), id));
			assert_noop!(
				Models::set_price(RuntimeOrigin::signed(ALICE), id, 1),
				Error::<Test>::NotActive
			);
			assert_noop!(
				Models::retire(RuntimeOrigin::signed(ALICE), id),
				Error::<Test>::NotActive
			);
			assert_noop!(
				Models::publish_version(RuntimeOrigin::signed(ALICE), id, weights(5), URI.to_vec()),
				Error::<Test>::NotActive
			);
		});
	}

	#[test]
	fn retire_releases_the_deposit_and_keeps_the_record() {
		ExtBuilder::build_and_execute(|| {
			let id = register(ALICE, 1);
			let deposit = model(id).deposit;
			assert_ok!(Models::retire(RuntimeOrigin::signed(ALICE), id));
			System::assert_last_event(Event::Retired { id, released: deposit }.into());
			assert_eq!(held(ALICE), 0);
			assert_eq!(model(id).status, ModelStatus::Retired);
			assert_eq!(<Models as ModelRegistry<_, _>>::weights(id), Some(weights(1)));
			assert_eq!(<Models as ModelRegistry<_, _>>::owner(id), Some(ALICE));
			assert_eq!(<Models as ModelRegistry<_, _>>::architecture(id), Some(mlp()));
			assert_eq!(<Models as ModelRegistry<_, _>>::inference_price(id), None);
		});
	}
}

mod registry {
	use super::*;

	#[test]
	fn compute_registers_trained_models_with_lineage() {
		ExtBuilder::build_and_execute(|| {
			let id = <Models as ModelRegistry<_, _>>::register_trained(trained(
				BOB,
				1,
				Lineage::TrainedBy { job: 7 },
			))
			.unwrap();
			assert_eq!(model(id).lineage, Lineage::TrainedBy { job: 7 });
			assert_eq!(held(BOB), model(id).deposit);

			let tuned = <Models as ModelRegistry<_, _>>::register_trained(trained(
				ALICE,
				2,
				Lineage::FineTunedFrom { model: id, job: 8 },
			))
			.unwrap();
			assert_eq!(model(tuned).lineage, Lineage::FineTunedFrom { model: id, job: 8 });
		});
	}

	#[test]
	fn a_models_sources_are_its_parent_and_training_data() {
		ExtBuilder::build_and_execute(|| {
			let base = <Models as ModelRegistry<_, _>>::register_trained(trained(
				BOB,
				1,
				Lineage::TrainedBy { job: 7 },
			))
			.unwrap();
			let tuned = <Models as ModelRegistry<_, _>>::register_trained(trained(
				ALICE,
				2,
				Lineage::FineTunedFrom { model: base, job: 8 },
			))
			.unwrap();
			let sources = <Models as ModelRegistry<_, _>>::sources(tuned).unwrap();
			assert_eq!(sources.parent, Some(base));
			assert_eq!(sources.datasets.to_vec(), vec![2, 100]);
			let sources = <Models as ModelRegistry<_, _>>::sources(base).unwrap();
			assert_eq!((sources.parent, sources.datasets.to_vec()), (None, vec![1, 100]));
			// Retiring keeps the lineage readable.
			assert_ok!(Models::retire(RuntimeOrigin::signed(BOB), base));
			assert_eq!(<Models as ModelRegistry<_, _>>::sources(base).unwrap().datasets.len(), 2);
			assert_eq!(<Models as ModelRegistry<_, _>>::sources(99), None);
		});
	}

	#[test]
	fn trained_models_are_checked_like_uploads() {
		ExtBuilder::build_and_execute(|| {
			assert_noop!(
				<Models as ModelRegistry<_, _>>::register_trained(trained(
					BOB,
					1,
					Lineage::FineTunedFrom { model: 3, job: 1 }
				)),
				Error::<Test>::UnknownParent
			);
			assert_noop!(
				<Models as ModelRegistry<_, _>>::register_trained(trained(
					PAUPER,
					1,
					Lineage::TrainedBy { job: 1 }
				)),
				Error::<Test>::InsufficientBalance
			);
		});
	}

	#[test]
	fn compute_records_verified_scores() {
		ExtBuilder::build_and_execute(|| {
			let id = register(ALICE, 1);
			assert_ok!(<Models as ModelRegistry<_, _>>::record_evaluation(id, 4, 8_812, 10_000, 9));
			System::assert_last_event(
				Event::EvaluationRecorded {
					model: id,
					dataset: 4,
					correct: 8_812,
					total: 10_000,
					job: 9,
				}
				.into(),
			);
			let score = Evaluations::<Test>::get(id, 4).unwrap();
			assert_eq!((score.correct, score.total, score.job), (8_812, 10_000, 9));
			assert_noop!(
				<Models as ModelRegistry<_, _>>::record_evaluation(id, 4, 11, 10, 9),
				Error::<Test>::InvalidEvaluation
			);
			assert_noop!(
				<Models as ModelRegistry<_, _>>::record_evaluation(id, 4, 0, 0, 9),
				Error::<Test>::InvalidEvaluation
			);
			assert_noop!(
				<Models as ModelRegistry<_, _>>::record_evaluation(99, 4, 1, 1, 9),
				Error::<Test>::UnknownModel
			);
		});
	}
}
