//! The workspace, its access control systems and their entrances: what any Doorway tenant
//! reads first.

use crate::target::{against_both, Kind, Target};
use crate::ABSENT_ID;

async fn the_workspace_is_the_api_keys_own(t: &Target) {
    let workspace = t.seam.get_workspace().await.unwrap();
    assert!(!workspace.workspace_id.is_empty());
    assert!(!workspace.name.is_empty());
    let other = t.other.get_workspace().await.unwrap();
    assert_ne!(other.workspace_id, workspace.workspace_id);

    // An unknown key is refused, and the refusal is not worth retrying.
    let err = t.stranger().get_workspace().await.unwrap_err();
    assert!(!err.is_transient(), "{err}");
    assert_eq!(err.status(), Some(t.caps.unknown_api_key_status), "{err}");
}
against_both!(the_workspace_is_the_api_keys_own);

async fn acs_systems_list_get_and_stay_in_their_workspace(t: &Target) {
    let systems = t.seam.list_acs_systems().await.unwrap();
    let system = systems
        .iter()
        .find(|s| s.acs_system_id == t.acs_system_id)
        .unwrap();
    assert!(!system.name.is_empty());
    for s in &systems {
        let got = t.seam.get_acs_system(&s.acs_system_id).await.unwrap();
        assert_eq!(got.as_ref(), Some(s), "get agrees with list");
    }
    assert_eq!(t.seam.get_acs_system(ABSENT_ID).await.unwrap(), None);
    assert_eq!(
        t.other.get_acs_system(&t.acs_system_id).await.unwrap(),
        None
    );
    assert!(t
        .other
        .list_acs_systems()
        .await
        .unwrap()
        .iter()
        .all(|s| s.acs_system_id != t.acs_system_id));
}
against_both!(acs_systems_list_get_and_stay_in_their_workspace);

async fn entrances_belong_to_the_system_asked_for(t: &Target) {
    for system in t.seam.list_acs_systems().await.unwrap() {
        let entrances = t.seam.list_entrances(&system.acs_system_id).await.unwrap();
        assert!(entrances
            .iter()
            .all(|e| e.acs_system_id == system.acs_system_id));
        let mut ids: Vec<_> = entrances.iter().map(|e| &e.acs_entrance_id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), entrances.len(), "no entrance twice");
    }
    let ours = t.seam.list_entrances(&t.acs_system_id).await.unwrap();
    match t.kind {
        // The Latch building has three doors.
        Kind::Simulator => assert_eq!(ours.len(), 3),
        // The fake seeds its Visionline system without entrances.
        Kind::Fake => assert!(ours.is_empty()),
    }
}
against_both!(entrances_belong_to_the_system_asked_for);
