//! Error codes of the scan contract (1..=12), of the encoder (32, 33), and of API misuse (64..).
use core::fmt;

/// The numeric code, identical on the Rust and TypeScript sides (`ERR_TTLV_<NAME>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum ErrorCode {
    TruncatedHeader = 1,
    TooLarge = 2,
    Truncated = 3,
    OverrunsParent = 4,
    BadLength = 5,
    NonzeroPadding = 6,
    BadType = 7,
    BadTag = 8,
    BadBoolean = 9,
    BadUtf8 = 10,
    TooDeep = 11,
    TrailingBytes = 12,
    /// Encoder: a value out of range for its type (tag, BigInteger length, length over u32).
    InvalidValue = 32,
    /// Encoder: the tree nests deeper than the limit.
    EncodeTooDeep = 33,
    /// API misuse: the index slice is shorter than [`crate::index_words`] of the buffer.
    IndexTooSmall = 64,
    /// API misuse: the buffer is longer than a `u32` offset can address.
    InputTooLong = 65,
    /// API misuse: an index that the scanner did not produce for this buffer.
    BadIndex = 66,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 17] = [
        Self::TruncatedHeader,
        Self::TooLarge,
        Self::Truncated,
        Self::OverrunsParent,
        Self::BadLength,
        Self::NonzeroPadding,
        Self::BadType,
        Self::BadTag,
        Self::BadBoolean,
        Self::BadUtf8,
        Self::TooDeep,
        Self::TrailingBytes,
        Self::InvalidValue,
        Self::EncodeTooDeep,
        Self::IndexTooSmall,
        Self::InputTooLong,
        Self::BadIndex,
    ];

    #[inline]
    pub const fn number(self) -> u32 {
        self as u32
    }

    pub fn from_number(n: u32) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.number() == n)
    }

    /// The name without the `ERR_TTLV_` prefix, e.g. `TRUNCATED_HEADER`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::TruncatedHeader => "TRUNCATED_HEADER",
            Self::TooLarge => "TOO_LARGE",
            Self::Truncated => "TRUNCATED",
            Self::OverrunsParent => "OVERRUNS_PARENT",
            Self::BadLength => "BAD_LENGTH",
            Self::NonzeroPadding => "NONZERO_PADDING",
            Self::BadType => "BAD_TYPE",
            Self::BadTag => "BAD_TAG",
            Self::BadBoolean => "BAD_BOOLEAN",
            Self::BadUtf8 => "BAD_UTF8",
            Self::TooDeep => "TOO_DEEP",
            Self::TrailingBytes => "TRAILING_BYTES",
            Self::InvalidValue => "INVALID_VALUE",
            Self::EncodeTooDeep => "ENCODE_TOO_DEEP",
            Self::IndexTooSmall => "INDEX_TOO_SMALL",
            Self::InputTooLong => "INPUT_TOO_LONG",
            Self::BadIndex => "BAD_INDEX",
        }
    }
}

/// An error code and the byte offset it applies to (in the input for the scanner, in the output
/// for the encoder).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Error {
    pub code: ErrorCode,
    pub offset: usize,
}

impl Error {
    #[inline]
    pub const fn new(code: ErrorCode, offset: usize) -> Self {
        Self { code, offset }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ERR_TTLV_{} at offset {}", self.code.name(), self.offset)
    }
}

impl std::error::Error for Error {}
