//! What a tenant's Seam workspace holds, and importing it as properties.

use doorway_domain::{PropertyId, Provider};
use seam_gateway::DeviceFilter;

use super::{idempotency_key, request_hash, Services};
use crate::db::Visibility;
use crate::db::{self, idempotency::Recorded};
use crate::error::ApiError;

pub struct InventorySystem {
    pub seam_acs_system_id: String,
    pub name: String,
    pub external_type: Option<String>,
    pub imported: bool,
}

pub struct InventoryDevice {
    pub seam_device_id: String,
    pub name: String,
    pub online: bool,
    pub supports_access_codes: bool,
    pub imported: bool,
}

pub struct ImportProperty {
    pub name: Option<String>,
    pub seam_acs_system_id: Option<String>,
    pub seam_device_ids: Option<Vec<String>>,
    pub idempotency_key: Option<String>,
}

impl Services {
    /// The ACS systems and smart locks in the tenant's workspace (asked of Seam: this is the
    /// portal's set-up screen, not a hot path).
    pub async fn seam_inventory(
        &self,
        visibility: &Visibility,
    ) -> Result<(Vec<InventorySystem>, Vec<InventoryDevice>), ApiError> {
        let seam = self.seam_for(visibility.tenant()).await?;
        let all_devices = DeviceFilter::default();
        let (systems, devices) =
            tokio::try_join!(seam.list_acs_systems(), seam.list_devices(&all_devices))?;
        let mut db = db::begin(&self.pool, visibility).await?;
        let imported_systems = db::properties::imported_acs_system_ids(&mut db).await?;
        let imported_devices = db::properties::imported_device_ids(&mut db).await?;
        db.commit().await?;
        let systems = systems
            .into_iter()
            // Credential managers are plumbing behind mobile keys, not buildings to import.
            .filter(|s| !s.is_credential_manager)
            .map(|s| InventorySystem {
                imported: imported_systems.contains(&s.acs_system_id),
                seam_acs_system_id: s.acs_system_id,
                name: s.name,
                external_type: s.external_type,
            })
            .collect();
        let devices = devices
            .into_iter()
            .filter(|d| d.has_capability("access_code") || d.has_capability("lock"))
            .map(|d| InventoryDevice {
                imported: imported_devices.contains(&d.device_id),
                online: d.properties.online.unwrap_or(false),
                supports_access_codes: d.supports_online_access_codes(),
                name: Some(d.display_name.clone())
                    .filter(|n| !n.is_empty())
                    .or_else(|| d.properties.name.clone())
                    .unwrap_or_else(|| d.device_id.clone()),
                seam_device_id: d.device_id,
            })
            .collect();
        Ok((systems, devices))
    }

    /// Imports an ACS system as a property, or refreshes it: entrances and access groups come
    /// from Seam and keep their Doorway ids on re-import.
    pub async fn import_property(
        &self,
        visibility: &Visibility,
        input: ImportProperty,
    ) -> Result<PropertyId, ApiError> {
        let idem = idempotency_key(input.idempotency_key.as_deref())?;
        let system_id = match (&input.seam_acs_system_id, &input.seam_device_ids) {
            (Some(id), None) if !id.trim().is_empty() => id.trim().to_owned(),
            (None, Some(devices)) => {
                let name = input.name.as_deref();
                return self
                    .import_smart_locks(visibility, name, devices, idem)
                    .await;
            }
            _ => {
                return Err(ApiError::bad_input(
                    "seamAcsSystemId",
                    "give exactly one of seamAcsSystemId and seamDeviceIds",
                ))
            }
        };
        let name = input
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        if name.is_some_and(|n| n.chars().count() > 200) {
            return Err(ApiError::bad_input("name", "name: at most 200 characters"));
        }

        let seam = self.seam_for(visibility.tenant()).await?;
        let system = seam.get_acs_system(&system_id).await?.ok_or_else(|| {
            ApiError::bad_input(
                "seamAcsSystemId",
                "seamAcsSystemId: no such ACS system in the tenant's Seam workspace",
            )
        })?;
        if system.is_credential_manager {
            return Err(ApiError::bad_input(
                "seamAcsSystemId",
                "seamAcsSystemId: this is a credential manager, not a building; import the building it serves",
            ));
        }
        let (entrances, groups) = tokio::try_join!(
            seam.list_entrances(&system_id),
            seam.list_access_groups(&system_id)
        )?;
        // What each access group opens, so that a Salto KS credential shows its doors.
        let group_entrances = futures::future::try_join_all(
            groups
                .iter()
                .map(|g| seam.list_access_group_entrances(&g.acs_access_group_id)),
        )
        .await?;
        let provider = Provider::from_acs_external_type(system.external_type.as_deref());
        let name = name.unwrap_or(&system.name);

        let mut db = db::begin(&self.pool, visibility).await?;
        let property_id = db::properties::upsert_for_acs_system(
            &mut db,
            name,
            provider.as_str(),
            &system_id,
            system.external_type.as_deref(),
        )
        .await?;
        if let Some(key) = idem {
            let hash = request_hash(&[name, &system_id]);
            match db::idempotency::reserve(&mut db, "importProperty", key, &hash, property_id)
                .await?
            {
                Recorded::New | Recorded::Replay(_) => {}
                Recorded::Conflict => {
                    return Err(ApiError::Conflict(
                        "idempotencyKey was already used with a different input".into(),
                    ))
                }
            }
        }
        let mut entrance_ids = std::collections::HashMap::new();
        for entrance in &entrances {
            let label = if entrance.display_name.is_empty() {
                &entrance.acs_entrance_id
            } else {
                &entrance.display_name
            };
            let id = db::properties::upsert_acs_entrance(
                &mut db,
                property_id,
                label,
                &entrance.acs_entrance_id,
            )
            .await?;
            entrance_ids.insert(entrance.acs_entrance_id.as_str(), id);
        }
        for (group, opens) in groups.iter().zip(&group_entrances) {
            let opens: Vec<uuid::Uuid> = opens
                .iter()
                .filter_map(|e| entrance_ids.get(e.acs_entrance_id.as_str()).copied())
                .collect();
            let label = if group.name.is_empty() {
                &group.display_name
            } else {
                &group.name
            };
            db::properties::upsert_access_group(
                &mut db,
                property_id,
                label,
                &group.acs_access_group_id,
                &opens,
            )
            .await?;
        }
        db.commit().await?;
        tracing::info!(%property_id, entrances = entrances.len(), access_groups = groups.len(), "property imported");
        Ok(property_id.into())
    }

    /// Imports a set of smart locks as one property (re-importing refreshes them and keeps ids),
    /// recording what each lock can do with access codes for the credential policy.
    async fn import_smart_locks(
        &self,
        visibility: &Visibility,
        name: Option<&str>,
        device_ids: &[String],
        idem: Option<&str>,
    ) -> Result<PropertyId, ApiError> {
        let mut wanted: Vec<String> = device_ids
            .iter()
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty())
            .collect();
        wanted.sort();
        wanted.dedup();
        if wanted.is_empty() {
            return Err(ApiError::bad_input(
                "seamDeviceIds",
                "seamDeviceIds: at least one device is required",
            ));
        }
        let name = name.map(str::trim).filter(|n| !n.is_empty());
        let seam = self.seam_for(visibility.tenant()).await?;
        let filter = DeviceFilter {
            device_ids: Some(wanted.clone()),
        };
        let devices = seam.list_devices(&filter).await?;
        if let Some(missing) = wanted
            .iter()
            .find(|id| !devices.iter().any(|d| &d.device_id == *id))
        {
            return Err(ApiError::bad_input(
                "seamDeviceIds",
                format!("seamDeviceIds: no device {missing} in the tenant's Seam workspace"),
            ));
        }
        let label = |d: &seam_gateway::Device| {
            Some(d.display_name.clone())
                .filter(|n| !n.is_empty())
                .or_else(|| d.properties.name.clone())
                .unwrap_or_else(|| d.device_id.clone())
        };
        let mut db = db::begin(&self.pool, visibility).await?;
        let holders = db::properties::properties_holding_devices(&mut db, &wanted).await?;
        if holders.len() > 1 {
            return Err(ApiError::bad_input(
                "seamDeviceIds",
                "seamDeviceIds: these locks belong to different properties already",
            ));
        }
        let default_name = format!(
            "Smart locks ({})",
            devices.iter().map(label).collect::<Vec<_>>().join(", ")
        );
        let property_id = db::properties::upsert_smart_lock_property(
            &mut db,
            holders.first().copied(),
            name.unwrap_or(&default_name),
        )
        .await?;
        if let Some(key) = idem {
            let hash = request_hash(&[name.unwrap_or_default(), &wanted.join(",")]);
            if let Recorded::Conflict =
                db::idempotency::reserve(&mut db, "importProperty", key, &hash, property_id).await?
            {
                return Err(ApiError::Conflict(
                    "idempotencyKey was already used with a different input".into(),
                ));
            }
        }
        for device in &devices {
            let lengths: Vec<i32> = device
                .properties
                .supported_code_lengths
                .iter()
                .filter_map(|l| i32::try_from(*l).ok())
                .collect();
            db::properties::upsert_lock(
                &mut db,
                property_id,
                &label(device),
                &device.device_id,
                device.supports_online_access_codes(),
                &lengths,
            )
            .await?;
        }
        db.commit().await?;
        tracing::info!(%property_id, locks = devices.len(), "smart locks imported");
        Ok(property_id.into())
    }
}
