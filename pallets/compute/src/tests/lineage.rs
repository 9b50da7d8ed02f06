//! Royalties up a model's lineage: named in the quote at posting, paid at finalization.

use crate::{mock::*, *};
use frame_support::{assert_ok, traits::fungible::Mutate};
use pallet_datasets::Visibility;
use pallet_models::{Lineage, ModelRegistry, TrainedModel};
use verity_primitives::DatasetFormat;

const BASE_OWNER: AccountId = 30;
const TUNE_OWNER: AccountId = 31;
const BASE_DATA_OWNER: AccountId = 32;
const OTHER_BASE_DATA_OWNER: AccountId = 33;
const TUNE_DATA_OWNER: AccountId = 34;
const PRICE: Balance = 1_000;

fn funded(who: AccountId) -> AccountId {
	assert_ok!(Balances::mint_into(&who, FUNDS));
	who
}

fn dataset_of(owner: AccountId, tag: u8) -> DatasetId {
	let id = pallet_datasets::NextDatasetId::<Test>::get();
	assert_ok!(Datasets::register(
		RuntimeOrigin::signed(funded(owner)),
		content(tag),
		b"ipfs://data".to_vec(),
		DatasetFormat::IdxArchive,
		Licence::Cc0,
		0,
		Visibility::Public,
		vec![],
	));
	id
}

/// Registers a model as a verified training job would.
fn trained(owner: AccountId, tag: u8, lineage: Lineage, datasets: Vec<DatasetId>) -> ModelId {
	<Models as ModelRegistry<_, _>>::register_trained(TrainedModel {
		owner: funded(owner),
		architecture: mlp(),
		weights: content(tag),
		uri: Uri::parse(b"ipfs://model").unwrap(),
		licence: Licence::Cc0,
		inference_price: PRICE,
		lineage,
		datasets: BoundedVec::truncate_from(datasets),
	})
	.unwrap()
}

/// A base model trained on two datasets, fine-tuned on a third.
fn fine_tune() -> (ModelId, ModelId) {
	let d1 = dataset_of(BASE_DATA_OWNER, 201);
	let d2 = dataset_of(OTHER_BASE_DATA_OWNER, 202);
	let d3 = dataset_of(TUNE_DATA_OWNER, 203);
	let base = trained(BASE_OWNER, 211, Lineage::TrainedBy { job: 100 }, vec![d1, d2]);
	let tuned =
		trained(TUNE_OWNER, 212, Lineage::FineTunedFrom { model: base, job: 101 }, vec![d3]);
	(base, tuned)
}

fn infer(model: ModelId) -> JobSpec<Test> {
	JobSpec::Infer { model, input: content(50), input_uri: Uri::parse(b"ipfs://input").unwrap() }
}

fn payments(quote: &Quote<Test>) -> Vec<(AccountId, Balance)> {
	quote.lineage.iter().map(|p| (p.to, p.amount)).collect()
}

#[test]
fn the_quote_names_every_generation_of_the_lineage() {
	ExtBuilder::build_and_execute(|| {
		let (_, tuned) = fine_tune();
		let quote = Compute::quote(&ALICE, &infer(tuned), &replicas(2), REWARD).unwrap();
		// 20% of 1_000 flows up, split between the fine-tune's data and its parent; 20% of
		// the parent's 100 flows on to the parent's two datasets (10 each).
		assert_eq!(quote.royalty, Some(Payment { to: TUNE_OWNER, amount: 800 }));
		assert_eq!(
			payments(&quote),
			vec![
				(TUNE_DATA_OWNER, 100),
				(BASE_OWNER, 80),
				(BASE_DATA_OWNER, 10),
				(OTHER_BASE_DATA_OWNER, 10)
			]
		);
		let paid: Balance = quote.lineage.iter().map(|p| p.amount).sum::<Balance>() + 800;
		assert_eq!(paid, PRICE);
	});
}

#[test]
fn finalizing_pays_the_lineage_what_the_quote_said() {
	ExtBuilder::build_and_execute(|| {
		register(&WORKERS);
		let (_, tuned) = fine_tune();
		let id = post(infer(tuned), replicas(2));
		let quote = job(id).quote;
		let owners =
			[TUNE_OWNER, BASE_OWNER, BASE_DATA_OWNER, OTHER_BASE_DATA_OWNER, TUNE_DATA_OWNER];
		let before: Vec<Balance> = owners.iter().map(|o| free(*o)).collect();
		let output = JobOutput::Predictions(content(60));
		let workers: Vec<AccountId> = job(id).assignees.iter().map(|a| a.worker).collect();
		for w in &workers {
			assert_ok!(Compute::commit_output(
				RuntimeOrigin::signed(*w),
				id,
				Compute::commitment_of(CommitKind::Output, id, w, output, &salt(*w))
			));
		}
		for w in &workers {
			assert_ok!(Compute::reveal_output(RuntimeOrigin::signed(*w), id, output, salt(*w)));
		}
		assert!(Jobs::<Test>::get(id).is_none());
		let gained: Vec<Balance> = owners.iter().zip(before).map(|(o, b)| free(*o) - b).collect();
		assert_eq!(gained, vec![800, 80, 10, 10, 100]);
		assert_eq!(quote.lineage.len(), 4);
	});
}

#[test]
fn a_fine_tune_pays_its_parents_owner_and_data() {
	ExtBuilder::build_and_execute(|| {
		let (base, _) = fine_tune();
		let d = dataset(1);
		let mut spec = train_spec(vec![d]);
		if let JobSpec::Train(train) = &mut spec {
			train.base = TrainBase::FineTune(base);
		}
		let quote = Compute::quote(&ALICE, &spec, &full_audit(), REWARD).unwrap();
		assert_eq!(quote.royalty, Some(Payment { to: BASE_OWNER, amount: 800 }));
		assert_eq!(payments(&quote), vec![(BASE_DATA_OWNER, 100), (OTHER_BASE_DATA_OWNER, 100)]);
	});
}

#[test]
fn the_lineage_share_stops_at_the_depth_bound() {
	ExtBuilder::build_and_execute(|| {
		let (_, tuned) = fine_tune();
		let grandchild =
			trained(40, 213, Lineage::FineTunedFrom { model: tuned, job: 102 }, vec![]);
		let quote = Compute::quote(&ALICE, &infer(grandchild), &replicas(2), REWARD).unwrap();
		// Two generations up: the fine-tune's owner and data, never the base's.
		assert_eq!(quote.royalty, Some(Payment { to: 40, amount: 800 }));
		assert_eq!(
			payments(&quote),
			vec![(TUNE_OWNER, 160), (TUNE_DATA_OWNER, 20), (BASE_OWNER, 20)]
		);
	});
}

#[test]
fn an_uploaded_model_keeps_its_whole_royalty() {
	ExtBuilder::build_and_execute(|| {
		let m = model(1);
		let quote = Compute::quote(&ALICE, &infer(m), &replicas(2), REWARD).unwrap();
		assert_eq!(quote.royalty, Some(Payment { to: BOB, amount: 500 }));
		assert!(quote.lineage.is_empty());
	});
}

#[test]
fn an_owner_of_its_own_sources_is_paid_once() {
	ExtBuilder::build_and_execute(|| {
		let own = dataset_of(TUNE_OWNER, 204);
		let other = dataset_of(TUNE_DATA_OWNER, 205);
		let m = trained(TUNE_OWNER, 214, Lineage::TrainedBy { job: 103 }, vec![own, other]);
		let quote = Compute::quote(&ALICE, &infer(m), &replicas(2), REWARD).unwrap();
		assert_eq!(quote.royalty, Some(Payment { to: TUNE_OWNER, amount: 900 }));
		assert_eq!(payments(&quote), vec![(TUNE_DATA_OWNER, 100)]);
	});
}

#[test]
fn work_units_count_parameters_times_samples() {
	ExtBuilder::build_and_execute(|| {
		register(&WORKERS);
		let parameters = u128::from(mlp().parameter_count().unwrap());
		let d = dataset(1);
		let id = post(train_spec(vec![d]), full_audit());
		let train = Compute::train_spec(&job(id)).unwrap().clone();
		let samples = u128::from(train.steps) * u128::from(train.batch_size);
		assert_eq!(Compute::work_units(&job(id)), parameters * samples * 3);
		let m = model(2);
		let id = post(infer(m), replicas(2));
		// 1_000 input bytes over the MLP's input features, rounded up.
		let inputs = u128::from(mlp().input_features());
		assert_eq!(Compute::work_units(&job(id)), parameters * 1_000u128.div_ceil(inputs));
	});
}
