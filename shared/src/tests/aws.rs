//! Unit tests of `aws.rs`.

use super::*;

#[test]
fn amazon_trust_services_roots_are_the_five_and_only_them() {
    let pems = amazon_trust_services_roots();
    assert_eq!(pems.len(), AMAZON_TRUST_SERVICES_ROOTS.len());
    // Each is a well-formed certificate, and each name has its own.
    for name in AMAZON_TRUST_SERVICES_ROOTS {
        let holders: Vec<_> = pems
            .iter()
            .map(|pem| pem_rfc7468::decode_vec(pem.as_bytes()).expect("PEM").1)
            .filter(|der| memchr::memmem::find(der, name.as_bytes()).is_some())
            .collect();
        assert_eq!(holders.len(), 1, "{name}");
    }
}
