//! How the domain's words are stored, for crates that read and write them with sqlx (the
//! `sqlx` feature). Statuses, kinds, providers and access methods are `text` columns holding
//! their contract names; ids are `uuid` columns. A row holding anything else fails to decode
//! with an error naming the type, instead of being parsed with a fallback somewhere later.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgHasArrayType, PgTypeInfo, PgValueRef};
use sqlx::{Decode, Encode, Postgres, Type};
use uuid::Uuid;

use crate::{
    AccessGroupId, AccessMethod, CredentialId, CredentialStatus, EntranceId, GrantId, GrantStatus,
    Mechanism, PropertyId, Provider, ResidentId, ResidentStatus, RunId, RunKind, RunStatus, StepId,
    StepKind, StepStatus, TenantId,
};

macro_rules! stored_as_text {
    ($($name:ident),+ $(,)?) => {$(
        impl Type<Postgres> for $name {
            fn type_info() -> PgTypeInfo {
                <&str as Type<Postgres>>::type_info()
            }

            fn compatible(ty: &PgTypeInfo) -> bool {
                <&str as Type<Postgres>>::compatible(ty)
            }
        }

        impl<'r> Decode<'r, Postgres> for $name {
            fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
                let text = <&str as Decode<Postgres>>::decode(value)?;
                Self::parse(text).ok_or_else(|| {
                    format!(concat!("unknown ", stringify!($name), " {:?}"), text).into()
                })
            }
        }

        impl Encode<'_, Postgres> for $name {
            fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
                <&str as Encode<Postgres>>::encode_by_ref(&self.as_str(), buf)
            }
        }

        impl PgHasArrayType for $name {
            fn array_type_info() -> PgTypeInfo {
                <&str as PgHasArrayType>::array_type_info()
            }
        }
    )+};
}

macro_rules! stored_as_uuid {
    ($($name:ident),+ $(,)?) => {$(
        impl Type<Postgres> for $name {
            fn type_info() -> PgTypeInfo {
                <Uuid as Type<Postgres>>::type_info()
            }
        }

        impl<'r> Decode<'r, Postgres> for $name {
            fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
                <Uuid as Decode<Postgres>>::decode(value).map(Self::from_uuid)
            }
        }

        impl Encode<'_, Postgres> for $name {
            fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
                <Uuid as Encode<Postgres>>::encode_by_ref(&self.as_uuid(), buf)
            }
        }

        impl PgHasArrayType for $name {
            fn array_type_info() -> PgTypeInfo {
                <Uuid as PgHasArrayType>::array_type_info()
            }
        }
    )+};
}

stored_as_text!(
    ResidentStatus,
    GrantStatus,
    CredentialStatus,
    RunKind,
    RunStatus,
    StepStatus,
    Provider,
    AccessMethod,
    Mechanism,
    StepKind,
);

stored_as_uuid!(
    TenantId,
    PropertyId,
    EntranceId,
    AccessGroupId,
    ResidentId,
    GrantId,
    CredentialId,
    RunId,
    StepId,
);
