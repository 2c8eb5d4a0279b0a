use chrono::TimeZone;

use super::*;

fn t(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + seconds, 0).unwrap()
}

fn timing() -> Timing {
    Timing {
        set_delay: TimeDelta::seconds(2),
        remove_delay: TimeDelta::seconds(3),
        warn_after: TimeDelta::seconds(60),
        fail_after: TimeDelta::seconds(300),
        preload_lead: TimeDelta::hours(72),
    }
}

fn code(phase: Phase) -> AccessCode {
    AccessCode {
        access_code_id: "code".to_owned(),
        seq: 1,
        device_id: "lock".to_owned(),
        connected_account_id: "account".to_owned(),
        name: None,
        code: "1234".to_owned(),
        common_code_key: None,
        starts_at: None,
        ends_at: None,
        is_external_modification_allowed: false,
        prefer_native_scheduling: true,
        created_at: t(0),
        phase,
        is_scheduled_on_device: false,
        delay_warned_at: None,
        failed_at: None,
    }
}

fn lock(online: bool, since: i64) -> Lock {
    Lock {
        online,
        since: t(since),
        native_scheduling: false,
    }
}

#[test]
fn setting_restarts_when_the_lock_comes_back() {
    let setting = code(Phase::Setting { since: t(0) });
    assert_eq!(
        next_step(&setting, lock(true, -100), &timing()),
        Some((t(2), Step::MarkSet))
    );
    assert_eq!(
        next_step(&setting, lock(true, 500), &timing()),
        Some((t(502), Step::MarkSet))
    );
}

#[test]
fn an_earlier_warning_does_not_shorten_a_new_time_offline() {
    let mut setting = code(Phase::Setting { since: t(0) });
    setting.delay_warned_at = Some(t(60));
    assert_eq!(
        next_step(&setting, lock(false, -100), &timing()),
        Some((t(360), Step::Fail))
    );
    assert_eq!(
        next_step(&setting, lock(false, 1000), &timing()),
        Some((t(1300), Step::Fail))
    );
}

#[test]
fn removal_waits_for_the_lock_only_when_the_lock_is_involved() {
    let mut held = code(Phase::Set);
    start_removal(&mut held, t(10));
    assert_eq!(
        held.phase,
        Phase::Removing {
            since: t(10),
            was_on_device: true,
            needs_lock: true,
        }
    );
    assert_eq!(
        next_step(&held, lock(false, 0), &timing()),
        Some((t(70), Step::WarnDelay))
    );
    assert_eq!(
        next_step(&held, lock(true, 400), &timing()),
        Some((t(403), Step::Remove))
    );

    let mut unset = code(Phase::Unset);
    unset.starts_at = Some(t(86_400));
    unset.ends_at = Some(t(2 * 86_400));
    start_removal(&mut unset, t(10));
    assert_eq!(
        next_step(&unset, lock(false, 0), &timing()),
        Some((t(13), Step::Remove))
    );
}

#[test]
fn removing_forgets_trouble_setting_and_announces_its_own() {
    let mut failed = code(Phase::Setting { since: t(0) });
    failed.delay_warned_at = Some(t(60));
    failed.failed_at = Some(t(360));
    start_removal(&mut failed, t(400));
    assert_eq!((failed.delay_warned_at, failed.failed_at), (None, None));
    assert_eq!(
        apply(&mut failed, t(460), Step::WarnDelay),
        Some("access_code.delay_in_removing_from_device")
    );
    assert_eq!(
        apply(&mut failed, t(760), Step::Fail),
        Some("access_code.failed_to_remove_from_device")
    );
    assert_eq!(
        failed.errors()[0]["error_code"],
        "failed_to_remove_from_device"
    );
}
