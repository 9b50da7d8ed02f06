use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

#[test]
fn governance_sets_parameters_and_tolerances() {
	ExtBuilder::build_and_execute(|| {
		let mut params = Compute::params();
		params.min_stake = 5_000;
		assert_noop!(
			Compute::set_params(RuntimeOrigin::signed(ALICE), params.clone()),
			DispatchError::BadOrigin
		);
		assert_ok!(Compute::set_params(RuntimeOrigin::root(), params.clone()));
		assert_eq!(Compute::params(), params);
		assert!(events().contains(&Event::ParamsSet));

		let epsilon = Perbill::from_parts(50);
		assert_noop!(
			Compute::set_tolerance(
				RuntimeOrigin::signed(ALICE),
				ArchitectureFamily::LeNet,
				epsilon
			),
			DispatchError::BadOrigin
		);
		assert_ok!(Compute::set_tolerance(
			RuntimeOrigin::root(),
			ArchitectureFamily::LeNet,
			epsilon
		));
		assert_eq!(Tolerances::<Test>::get(ArchitectureFamily::LeNet), epsilon);
	});
}

#[test]
fn inconsistent_parameters_are_refused() {
	ExtBuilder::build_and_execute(|| {
		let base = Compute::params();
		type Tweak = Box<dyn Fn(&mut ParamsOf<Test>)>;
		let cases: Vec<Tweak> = vec![
			Box::new(|p| p.jury_size = 2),
			Box::new(|p| p.jury_size = 7),
			Box::new(|p| p.jury_size = 0),
			Box::new(|p| p.challenge_window = p.commit_window),
			Box::new(|p| p.round_window = 0),
			Box::new(|p| p.audit_draw_delay = 0),
			Box::new(|p| p.max_attempts = 0),
			Box::new(|p| p.min_stake = 0),
			Box::new(|p| p.min_bond = 0),
			Box::new(|p| {
				p.winner_share = Perbill::from_percent(80);
				p.jurors_share = Perbill::from_percent(30);
			}),
		];
		for case in cases {
			let mut params = base.clone();
			case(&mut params);
			assert_noop!(
				Compute::set_params(RuntimeOrigin::root(), params),
				Error::<Test>::InvalidParams
			);
		}
	});
}

#[test]
fn running_jobs_keep_the_terms_they_were_posted_with() {
	ExtBuilder::build_and_execute(|| {
		register(&WORKERS);
		let d = dataset(1);
		let id = post(train_spec(vec![d]), full_audit());
		let mut params = Compute::params();
		params.protocol_fee = Perbill::from_percent(50);
		assert_ok!(Compute::set_params(RuntimeOrigin::root(), params));
		assert_ok!(Compute::set_tolerance(
			RuntimeOrigin::root(),
			ArchitectureFamily::Mlp,
			Perbill::one()
		));
		assert_eq!(job(id).quote.protocol_fee, 200);
		assert_eq!(job(id).tolerance, Perbill::from_parts(1_000));
	});
}
