//! Devices such as smart locks.

use crate::client::WorkspaceClient;
use crate::error::SeamError;
use crate::models::Device;
use crate::requests::DeviceFilter;
use crate::transport::Endpoint;

pub(super) static LIST_DEVICES: Endpoint = Endpoint::read("/devices/list", "devices");

impl WorkspaceClient {
    /// Every device matching the filter, all pages.
    pub async fn list_devices(&self, filter: &DeviceFilter) -> Result<Vec<Device>, SeamError> {
        self.list_all(&LIST_DEVICES, filter).await
    }
}
