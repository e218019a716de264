//! The owned item tree.

/// One TTLV item: a 24-bit tag (`0x42xxxx` or `0x54xxxx`) and a typed value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub tag: u32,
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Structure(Vec<Item>),
    Integer(i32),
    LongInteger(i64),
    /// Two's complement big-endian, exactly as on the wire (a non-empty multiple of 8 bytes).
    BigInteger(Vec<u8>),
    Enumeration(u32),
    Boolean(bool),
    TextString(String),
    ByteString(Vec<u8>),
    /// Seconds since the epoch.
    DateTime(i64),
    /// Seconds.
    Interval(u32),
    /// Microseconds since the epoch (KMIP 2.0+).
    DateTimeExtended(i64),
}

/// The item type byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ItemType {
    Structure = 0x01,
    Integer = 0x02,
    LongInteger = 0x03,
    BigInteger = 0x04,
    Enumeration = 0x05,
    Boolean = 0x06,
    TextString = 0x07,
    ByteString = 0x08,
    DateTime = 0x09,
    Interval = 0x0A,
    DateTimeExtended = 0x0B,
}

impl ItemType {
    pub const fn from_byte(b: u8) -> Option<Self> {
        Some(match b {
            0x01 => Self::Structure,
            0x02 => Self::Integer,
            0x03 => Self::LongInteger,
            0x04 => Self::BigInteger,
            0x05 => Self::Enumeration,
            0x06 => Self::Boolean,
            0x07 => Self::TextString,
            0x08 => Self::ByteString,
            0x09 => Self::DateTime,
            0x0A => Self::Interval,
            0x0B => Self::DateTimeExtended,
            _ => return None,
        })
    }

    /// Whether `len` is a legal Length field for this type (contract check 5).
    #[inline]
    pub const fn length_ok(self, len: u32) -> bool {
        match self {
            Self::Structure => len.is_multiple_of(8),
            Self::Integer | Self::Enumeration | Self::Interval => len == 4,
            Self::LongInteger | Self::Boolean | Self::DateTime | Self::DateTimeExtended => len == 8,
            Self::BigInteger => len >= 8 && len.is_multiple_of(8),
            Self::TextString | Self::ByteString => true,
        }
    }
}

impl Value {
    pub const fn item_type(&self) -> ItemType {
        match self {
            Self::Structure(_) => ItemType::Structure,
            Self::Integer(_) => ItemType::Integer,
            Self::LongInteger(_) => ItemType::LongInteger,
            Self::BigInteger(_) => ItemType::BigInteger,
            Self::Enumeration(_) => ItemType::Enumeration,
            Self::Boolean(_) => ItemType::Boolean,
            Self::TextString(_) => ItemType::TextString,
            Self::ByteString(_) => ItemType::ByteString,
            Self::DateTime(_) => ItemType::DateTime,
            Self::Interval(_) => ItemType::Interval,
            Self::DateTimeExtended(_) => ItemType::DateTimeExtended,
        }
    }
}

impl Item {
    pub fn new(tag: u32, value: Value) -> Self {
        Self { tag, value }
    }
}
