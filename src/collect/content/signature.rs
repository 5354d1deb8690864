//! The signer of a PE file's Authenticode signature, named as Windows names certificates.
//!
//! The certificate table's entries hold PKCS#7 SignedData; the signer's certificate is the
//! one whose issuer and serial number the SignerInfo names. Its subject and issuer are
//! printed as CryptoAPI prints them (`CN=Example Corp, O=Example Corp, L=Town, S=State,
//! C=US`: most specific first, `S` for the state, `E` for an e-mail address, other
//! attributes as `OID.1.2.3=`), which is what `CertificateSubject contains ...` conditions
//! are written against. Nothing here verifies the signature (`SignatureVerified` stays not
//! observable).

use authenticode::AuthenticodeSignature;
use der::asn1::{Ia5StringRef, PrintableStringRef, TeletexStringRef, Utf8StringRef};
use der::{Tag, Tagged};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::Name;

/// The subject and issuer of the signer's certificate of one certificate-table entry
/// (`None`: not an Authenticode SignedData, or no certificate of the signer in it).
pub(crate) fn signer(pkcs7: &[u8]) -> Option<(String, String)> {
    let signature = AuthenticodeSignature::from_bytes(pkcs7).ok()?;
    let cms::signed_data::SignerIdentifier::IssuerAndSerialNumber(sid) =
        &signature.signer_info().sid
    else {
        return None;
    };
    let certificate = signature.certificates().find(|c| {
        c.tbs_certificate.issuer == sid.issuer
            && c.tbs_certificate.serial_number == sid.serial_number
    })?;
    let tbs = &certificate.tbs_certificate;
    Some((windows_name(&tbs.subject), windows_name(&tbs.issuer)))
}

/// `CN=..., O=..., C=...`: the relative names last to first, as CryptoAPI prints them.
fn windows_name(name: &Name) -> String {
    let parts: Vec<String> =
        name.0.iter().rev().flat_map(|rdn| rdn.0.iter().map(attribute)).collect();
    parts.join(", ")
}

fn attribute(atv: &AttributeTypeAndValue) -> String {
    let oid = atv.oid.to_string();
    let key = match oid.as_str() {
        "2.5.4.3" => "CN",
        "2.5.4.11" => "OU",
        "2.5.4.10" => "O",
        "2.5.4.7" => "L",
        "2.5.4.8" => "S",
        "2.5.4.6" => "C",
        "2.5.4.9" => "STREET",
        "2.5.4.5" => "SERIALNUMBER",
        "1.2.840.113549.1.9.1" => "E",
        _ => "",
    };
    let value = text(&atv.value).unwrap_or_default();
    if key.is_empty() {
        format!("OID.{oid}={value}")
    } else {
        format!("{key}={value}")
    }
}

/// The text of a directory string (UTF-8, printable, IA5, teletex or BMP).
fn text(value: &der::Any) -> Option<String> {
    match value.tag() {
        Tag::Utf8String => value.decode_as::<Utf8StringRef<'_>>().ok().map(|s| s.to_string()),
        Tag::PrintableString => {
            value.decode_as::<PrintableStringRef<'_>>().ok().map(|s| s.to_string())
        }
        Tag::Ia5String => value.decode_as::<Ia5StringRef<'_>>().ok().map(|s| s.to_string()),
        Tag::TeletexString => value.decode_as::<TeletexStringRef<'_>>().ok().map(|s| s.to_string()),
        Tag::BmpString => {
            let units: Vec<u16> = value
                .value()
                .chunks_exact(2)
                .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_no_signer() {
        assert_eq!(signer(b""), None);
        assert_eq!(signer(b"\x30\x03\x02\x01\x01"), None);
        assert_eq!(signer(&[0xff; 64]), None);
    }
}
