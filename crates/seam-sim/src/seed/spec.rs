//! What a workspace is seeded with, as JSON: access systems with their entrances and access
//! groups, and smart locks with their code constraints. `POST /_sim/workspaces` takes one as
//! `seed`; without it a workspace gets [`super::demo`].

use serde::{Deserialize, Serialize};

use crate::objects::CodeConstraint;

/// The constraint types Seam's spec lists for `properties.code_constraints`.
pub(crate) const CONSTRAINT_TYPES: [&str; 14] = [
    "no_zeros",
    "cannot_start_with_12",
    "no_triple_consecutive_ints",
    "cannot_specify_pin_code",
    "pin_code_matches_existing_set",
    "start_date_in_future",
    "no_ascending_or_descending_sequence",
    "at_least_three_unique_digits",
    "cannot_contain_089",
    "cannot_contain_0789",
    "unique_first_four_digits",
    "no_all_same_digits",
    "name_length",
    "name_must_be_unique",
];

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SeedSpec {
    #[serde(default)]
    pub(crate) acs_systems: Vec<SystemSpec>,
    #[serde(default)]
    pub(crate) locks: Vec<LockSpec>,
}

/// An access system; a Latch building brings its credential manager (for mobile keys).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SystemSpec {
    pub(crate) kind: SeedSystemKind,
    pub(crate) name: String,
    #[serde(default = "default_time_zone")]
    pub(crate) time_zone: String,
    #[serde(default)]
    pub(crate) entrances: Vec<EntranceSpec>,
    /// Salto KS only: groups of entrances, named by their `name`.
    #[serde(default)]
    pub(crate) access_groups: Vec<GroupSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum SeedSystemKind {
    LatchBuilding,
    SaltoKsSite,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EntranceSpec {
    pub(crate) name: String,
    /// Latch's door type or Salto's lock type (`unit_door`, `wall_reader`...).
    #[serde(default)]
    pub(crate) door_type: Option<String>,
    /// Defaults: mobile keys on Latch, cards on Salto KS, codes on both.
    #[serde(default)]
    pub(crate) can_unlock_with_mobile_key: Option<bool>,
    #[serde(default)]
    pub(crate) can_unlock_with_card: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GroupSpec {
    pub(crate) name: String,
    pub(crate) entrances: Vec<String>,
}

/// A smart lock: one of the known models, with what the seed overrides.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LockSpec {
    pub(crate) name: String,
    /// `august`, `schlage`, `yale` (keypads) or `nuki` (no keypad); default `august`.
    #[serde(default = "default_model")]
    pub(crate) model: String,
    #[serde(default = "yes")]
    pub(crate) online: bool,
    #[serde(default = "default_battery")]
    pub(crate) battery_level: f64,
    #[serde(default)]
    pub(crate) location_name: Option<String>,
    #[serde(default = "default_time_zone")]
    pub(crate) time_zone: String,
    #[serde(default)]
    pub(crate) supported_code_lengths: Option<Vec<u8>>,
    #[serde(default)]
    pub(crate) max_active_codes_supported: Option<u32>,
    #[serde(default)]
    pub(crate) supports_native_scheduling: Option<bool>,
    #[serde(default)]
    pub(crate) code_constraints: Vec<CodeConstraint>,
}

fn default_time_zone() -> String {
    "America/Chicago".to_owned()
}

fn default_model() -> String {
    "august".to_owned()
}

fn yes() -> bool {
    true
}

fn default_battery() -> f64 {
    0.9
}

impl SeedSpec {
    /// What serde cannot check: known models and constraints, groups naming real entrances,
    /// code lengths Seam accepts. Each problem is a sentence naming the field.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (i, system) in self.acs_systems.iter().enumerate() {
            if system.kind != SeedSystemKind::SaltoKsSite && !system.access_groups.is_empty() {
                problems.push(format!(
                    "acs_systems[{i}].access_groups: only Salto KS sites have access groups"
                ));
            }
            for group in &system.access_groups {
                for door in &group.entrances {
                    if !system.entrances.iter().any(|e| &e.name == door) {
                        problems.push(format!(
                            "acs_systems[{i}].access_groups: {:?} names no entrance {door:?}",
                            group.name
                        ));
                    }
                }
            }
        }
        for (i, lock) in self.locks.iter().enumerate() {
            if super::models::preset(&lock.model).is_none() {
                problems.push(format!(
                    "locks[{i}].model: {:?} is not one of august, schlage, yale, nuki",
                    lock.model
                ));
            }
            if !(0.0..=1.0).contains(&lock.battery_level) {
                problems.push(format!("locks[{i}].battery_level: must be from 0 to 1"));
            }
            let lengths = lock.supported_code_lengths.as_deref().unwrap_or_default();
            if lengths.iter().any(|l| !(4..=12).contains(l)) {
                problems.push(format!(
                    "locks[{i}].supported_code_lengths: lengths run from 4 to 12"
                ));
            }
            for constraint in &lock.code_constraints {
                if !CONSTRAINT_TYPES.contains(&constraint.constraint_type.as_str()) {
                    problems.push(format!(
                        "locks[{i}].code_constraints: unknown constraint_type {:?}",
                        constraint.constraint_type
                    ));
                }
            }
        }
        problems
    }
}
