//! Devices such as smart locks.

use serde_json::json;

use crate::client::WorkspaceClient;
use crate::error::{NotFoundAsNone, SeamError};
use crate::models::Device;
use crate::requests::DeviceFilter;
use crate::transport::Endpoint;

pub(super) static LIST_DEVICES: Endpoint = Endpoint::read("/devices/list", "devices");
pub(super) static GET_DEVICE: Endpoint = Endpoint::read("/devices/get", "device");
pub(super) static GET_LOCK: Endpoint = Endpoint::read("/locks/get", "device");

impl WorkspaceClient {
    /// Every device matching the filter, all pages.
    pub async fn list_devices(&self, filter: &DeviceFilter) -> Result<Vec<Device>, SeamError> {
        self.list_all(&LIST_DEVICES, filter).await
    }

    pub async fn get_device(&self, device_id: &str) -> Result<Option<Device>, SeamError> {
        self.call(&GET_DEVICE, &json!({ "device_id": device_id }))
            .await
            .or_not_found()
    }

    /// The device, through the lock-specific route (which Seam marks deprecated in favour of
    /// `/devices/get`, and which refuses devices that are not locks).
    pub async fn get_lock(&self, device_id: &str) -> Result<Option<Device>, SeamError> {
        self.call(&GET_LOCK, &json!({ "device_id": device_id }))
            .await
            .or_not_found()
    }
}
