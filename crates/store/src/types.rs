//! Column types that mean the same on both backends.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef, Postgres};
use sqlx::sqlite::{Sqlite, SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, Type};

/// An instant. SQLite keeps it as integer microseconds since the epoch, so that
/// it sorts and compares as a number; PostgreSQL keeps a real `timestamptz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ts(pub jiff::Timestamp);

impl Ts {
    /// `self + d`, saturating at the end of representable time.
    pub fn plus(self, d: std::time::Duration) -> Ts {
        let span = jiff::SignedDuration::try_from(d).unwrap_or(jiff::SignedDuration::MAX);
        Ts(self.0.checked_add(span).unwrap_or(jiff::Timestamp::MAX))
    }

    /// `self - d`, saturating at the start of representable time.
    pub fn minus(self, d: std::time::Duration) -> Ts {
        let span = jiff::SignedDuration::try_from(d).unwrap_or(jiff::SignedDuration::MAX);
        Ts(self.0.checked_sub(span).unwrap_or(jiff::Timestamp::MIN))
    }

    pub fn now() -> Self {
        // Microsecond precision is what both backends keep; truncate so that a
        // value read back compares equal to the one written.
        let now = jiff::Timestamp::now();
        Ts(jiff::Timestamp::from_microsecond(now.as_microsecond()).unwrap_or(now))
    }
}

impl Type<Sqlite> for Ts {
    fn type_info() -> SqliteTypeInfo {
        <i64 as Type<Sqlite>>::type_info()
    }
    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <i64 as Type<Sqlite>>::compatible(ty)
    }
}

impl Encode<'_, Sqlite> for Ts {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Sqlite>::encode(self.0.as_microsecond(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Ts {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let micros = <i64 as Decode<Sqlite>>::decode(value)?;
        Ok(Ts(jiff::Timestamp::from_microsecond(micros)?))
    }
}

impl Type<Postgres> for Ts {
    fn type_info() -> PgTypeInfo {
        <jiff_sqlx::Timestamp as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for Ts {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Postgres>::encode(jiff_sqlx::Timestamp::from(self.0), buf)
    }
}

impl<'r> Decode<'r, Postgres> for Ts {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Ts(<jiff_sqlx::Timestamp as Decode<Postgres>>::decode(
            value,
        )?
        .to_jiff()))
    }
}

/// A calendar date: `date` in PostgreSQL, `YYYY-MM-DD` text in SQLite.
pub type Day = jiff_sqlx::Date;
