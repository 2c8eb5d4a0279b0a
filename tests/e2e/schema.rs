//! The committed `schema.graphql` is the code's schema, and every operation of the contract
//! that Doorway implements so far validates against it.

use std::path::{Path, PathBuf};

use apollo_compiler::ast::{Definition, Document};
use apollo_compiler::{ExecutableDocument, Schema};

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The contract's folder: the repository's copy, `contract/`.
fn contract_dir() -> PathBuf {
    repo_root().join("contract")
}

/// Checks that the repository's copy `ours` (a folder at its top) holds exactly the files of the
/// shared folder `shared` beside the checkout, byte for byte. Compared only where that folder
/// sits beside the repository: a clone on its own runs every test against its copies.
fn same_as_shared(ours: &str, shared: &str) {
    let Ok(entries) = std::fs::read_dir(repo_root().join("..").join(shared)) else {
        return;
    };
    let mut compared = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let copy = std::fs::read(repo_root().join(ours).join(&name))
            .unwrap_or_else(|_| panic!("{ours}/{name} is missing"));
        assert!(
            copy == std::fs::read(&path).unwrap(),
            "{ours}/{name} differs from ../{shared}/{name}: copy it again"
        );
        compared += 1;
    }
    let count = std::fs::read_dir(repo_root().join(ours)).unwrap().count();
    assert_eq!(count, compared, "{ours}/ holds files ../{shared}/ does not");
}

#[test]
fn the_repositorys_contract_is_the_shared_one() {
    same_as_shared("contract", "shared/contract");
}

#[test]
fn the_repositorys_seam_openapi_is_the_shared_one() {
    same_as_shared("seam-api", "shared/seam-api");
}

/// Operations of the contract that Doorway serves today. The others are listed in
/// [`NOT_YET_SERVED`] so that this test says exactly what is missing.
const SERVED: &[&str] = &[
    "CreateTenant",
    "RotateTenantSeamKey",
    "Tenants",
    "SeamInventory",
    "ImportProperty",
    "Properties",
    "CreateResident",
    "Residents",
    "Resident",
    "GrantAccess",
    "Grant",
    "MyAccess",
    "StartMobileKeySession",
    "RescheduleGrant",
    "RevokeGrant",
    "MoveOutResident",
    "GrantUpdates",
    "MyCredentialUpdates",
];

/// Every operation of the contract is served.
const NOT_YET_SERVED: &[&str] = &[];

#[test]
fn schema_graphql_matches_the_code() {
    let path = repo_root().join("schema.graphql");
    let generated = doorway_api::graphql::sdl();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schema.graphql differs from the code's schema; run `UPDATE_SCHEMA=1 cargo test --test e2e schema` and commit it"
    );
}

fn contract_operations() -> Vec<(String, String)> {
    let mut operations = Vec::new();
    for file in ["operator.graphql", "portal.graphql", "resident-app.graphql"] {
        let path = contract_dir().join(file);
        let source = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let document = Document::parse(source, Path::new(file)).unwrap();
        for definition in &document.definitions {
            if let Definition::OperationDefinition(op) = definition {
                let name = op.name.as_ref().map(|n| n.to_string()).unwrap_or_default();
                operations.push((name, op.to_string()));
            }
        }
    }
    operations
}

#[test]
fn every_served_contract_operation_validates_against_the_schema() {
    let schema = Schema::parse_and_validate(doorway_api::graphql::sdl(), "schema.graphql")
        .unwrap_or_else(|e| panic!("the schema itself is invalid: {e}"));
    let operations = contract_operations();
    let mut failures = Vec::new();
    for name in SERVED {
        let (_, source) = operations
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("the contract has no operation {name}"));
        if let Err(errors) =
            ExecutableDocument::parse_and_validate(&schema, source.as_str(), "op.graphql")
        {
            failures.push(format!("{name}:\n{}", errors.errors));
        }
    }
    assert!(
        failures.is_empty(),
        "contract operations that do not validate:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_contract_has_no_operation_this_test_does_not_know() {
    for (name, _) in contract_operations() {
        assert!(
            SERVED.contains(&name.as_str()) || NOT_YET_SERVED.contains(&name.as_str()),
            "the contract gained operation {name}: serve it and add it to SERVED"
        );
    }
}
