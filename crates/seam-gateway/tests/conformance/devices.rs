//! Devices and locks.

use seam_gateway::DeviceFilter;

use crate::target::{against_both, Target};
use crate::ABSENT_ID;

async fn devices_and_locks_are_found_by_id(t: &Target) {
    let seam = &t.seam;
    let devices = seam.list_devices(&DeviceFilter::default()).await.unwrap();
    let lock = devices.iter().find(|d| d.device_id == t.device_id).unwrap();
    assert!(lock.supports_online_access_codes(), "{lock:?}");

    let only = DeviceFilter {
        device_ids: Some(vec![t.device_id.clone()]),
    };
    let filtered = seam.list_devices(&only).await.unwrap();
    assert_eq!(
        filtered.iter().map(|d| &d.device_id).collect::<Vec<_>>(),
        [&t.device_id]
    );

    let got = seam.get_device(&t.device_id).await.unwrap().unwrap();
    assert_eq!(got.device_id, t.device_id);
    assert_eq!(got.device_type, lock.device_type);
    let as_lock = seam.get_lock(&t.device_id).await.unwrap().unwrap();
    assert_eq!(as_lock.device_id, t.device_id);
    assert_eq!(seam.get_device(ABSENT_ID).await.unwrap(), None);
    assert_eq!(seam.get_lock(ABSENT_ID).await.unwrap(), None);

    assert_eq!(t.other.get_device(&t.device_id).await.unwrap(), None);
    assert!(t
        .other
        .list_devices(&DeviceFilter::default())
        .await
        .unwrap()
        .iter()
        .all(|d| d.device_id != t.device_id));
}
against_both!(devices_and_locks_are_found_by_id);
