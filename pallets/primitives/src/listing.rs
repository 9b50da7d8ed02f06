//! What a dataset or model listing says about its file: format, licence and where to get it.

use bounded_collections::{BoundedVec, ConstU32};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// The longest URI a listing may carry, in bytes.
pub const MAX_URI_LEN: u32 = 256;
/// The longest custom licence name, in bytes.
pub const MAX_CUSTOM_LICENCE_LEN: u32 = 64;

/// How a dataset file is laid out, so a worker knows how to read it.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum DatasetFormat {
	/// A tar archive holding one IDX image file (`*images-idx3-ubyte`) and one IDX label
	/// file (`*labels-idx1-ubyte`), each plain or gzip-compressed (`.gz`), as MNIST and
	/// Fashion-MNIST are published. One archive is one listing, so one content hash
	/// covers images and labels together.
	IdxArchive,
	/// A CSV file of numeric features, one sample per row, with the class label in
	/// column `label_column` (0-based).
	Csv {
		/// Column that holds the integer class label.
		label_column: u16,
		/// Whether the first row names the columns.
		has_header: bool,
	},
}

/// The licence a dataset or model is offered under.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub enum Licence {
	/// CC0-1.0: public domain dedication.
	Cc0,
	/// CC-BY-4.0.
	CcBy4,
	/// CC-BY-SA-4.0.
	CcBySa4,
	/// CC-BY-NC-4.0.
	CcByNc4,
	/// ODbL-1.0: Open Database License.
	Odbl1,
	/// CDLA-Permissive-2.0: Community Data License Agreement.
	CdlaPermissive2,
	/// MIT.
	Mit,
	/// Apache-2.0.
	Apache2,
	/// BSD-3-Clause.
	Bsd3Clause,
	/// GPL-3.0-only.
	Gpl3,
	/// Any other licence, named by a short printable ASCII string (an SPDX identifier or a
	/// URL to its text).
	Custom(BoundedVec<u8, ConstU32<MAX_CUSTOM_LICENCE_LEN>>),
}

impl Licence {
	/// The SPDX identifier, or the custom name as given.
	pub fn spdx(&self) -> &[u8] {
		match self {
			Licence::Cc0 => b"CC0-1.0",
			Licence::CcBy4 => b"CC-BY-4.0",
			Licence::CcBySa4 => b"CC-BY-SA-4.0",
			Licence::CcByNc4 => b"CC-BY-NC-4.0",
			Licence::Odbl1 => b"ODbL-1.0",
			Licence::CdlaPermissive2 => b"CDLA-Permissive-2.0",
			Licence::Mit => b"MIT",
			Licence::Apache2 => b"Apache-2.0",
			Licence::Bsd3Clause => b"BSD-3-Clause",
			Licence::Gpl3 => b"GPL-3.0-only",
			Licence::Custom(name) => name,
		}
	}

	/// Whether the licence is well formed: a custom name must be non-empty printable ASCII.
	pub fn is_valid(&self) -> bool {
		match self {
			Licence::Custom(name) => {
				!name.is_empty() && name.iter().all(|b| b.is_ascii_graphic() || *b == b' ')
			}
			_ => true,
		}
	}
}

/// Why a URI is refused. Every pallet that takes a URI reports it as its `InvalidUri`
/// error with this reason, so the reasons and their docs are written once.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
#[cfg_attr(feature = "frame", derive(frame_support::PalletError))]
pub enum UriError {
	/// Longer than [`MAX_URI_LEN`] bytes.
	TooLong,
	/// The scheme is not one of `ipfs://`, `https://`, `http://`, `file://`.
	UnsupportedScheme,
	/// Nothing after the scheme, or characters other than printable ASCII.
	Malformed,
}

/// Where a file can be fetched: an `ipfs://`, `https://`, `http://` or `file://` URI of
/// printable ASCII, at most [`MAX_URI_LEN`] bytes. The content hash, not the URI, is what
/// a worker trusts; the URI only says where to look.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Uri(BoundedVec<u8, ConstU32<MAX_URI_LEN>>);

impl Uri {
	/// The schemes a listing may use.
	pub const SCHEMES: [&'static [u8]; 4] = [b"ipfs://", b"https://", b"http://", b"file://"];

	/// Checks `bytes` and wraps them.
	pub fn parse(bytes: &[u8]) -> Result<Self, UriError> {
		// Length first: an oversized input is refused before anything is copied.
		if bytes.len() > MAX_URI_LEN as usize {
			return Err(UriError::TooLong);
		}
		let scheme = Self::SCHEMES
			.iter()
			.find(|scheme| {
				bytes.get(..scheme.len()).is_some_and(|p| p.eq_ignore_ascii_case(scheme))
			})
			.ok_or(UriError::UnsupportedScheme)?;
		let rest = bytes.get(scheme.len()..).unwrap_or_default();
		if rest.is_empty() || !rest.iter().all(u8::is_ascii_graphic) {
			return Err(UriError::Malformed);
		}
		BoundedVec::try_from(bytes.to_vec()).map(Self).map_err(|_| UriError::TooLong)
	}

	/// The URI's bytes.
	pub fn as_bytes(&self) -> &[u8] {
		&self.0
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn accepts_the_four_schemes() {
		for uri in [
			&b"ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"[..],
			b"https://example.org/fashion-mnist/train.tar",
			b"http://10.0.0.2:8080/data.csv",
			b"file:///usr/share/datasets/fashion-mnist/train.tar",
			b"HTTPS://EXAMPLE.ORG/A",
		] {
			assert_eq!(Uri::parse(uri).map(|u| u.as_bytes().to_vec()), Ok(uri.to_vec()));
		}
	}

	#[test]
	fn refuses_other_schemes_and_malformed_uris() {
		assert_eq!(Uri::parse(b"ftp://example.org/a"), Err(UriError::UnsupportedScheme));
		assert_eq!(Uri::parse(b"javascript:alert(1)"), Err(UriError::UnsupportedScheme));
		assert_eq!(Uri::parse(b""), Err(UriError::UnsupportedScheme));
		assert_eq!(Uri::parse(b"https://"), Err(UriError::Malformed));
		assert_eq!(Uri::parse(b"https://exa mple.org"), Err(UriError::Malformed));
		assert_eq!(Uri::parse("https://exämple.org".as_bytes()), Err(UriError::Malformed));
		let long = [b"https://".as_slice(), &[b'a'; MAX_URI_LEN as usize]].concat();
		assert_eq!(Uri::parse(&long), Err(UriError::TooLong));
	}

	#[test]
	fn licences_name_their_spdx_identifier() {
		assert_eq!(Licence::CcBy4.spdx(), b"CC-BY-4.0");
		let custom = Licence::Custom(BoundedVec::truncate_from(b"LicenseRef-Verity-1".to_vec()));
		assert!(custom.is_valid());
		assert_eq!(custom.spdx(), b"LicenseRef-Verity-1");
		assert!(!Licence::Custom(BoundedVec::new()).is_valid());
		assert!(!Licence::Custom(BoundedVec::truncate_from(b"bad\nname".to_vec())).is_valid());
	}
}
