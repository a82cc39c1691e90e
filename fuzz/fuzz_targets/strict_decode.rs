//! Fuzzes strict decoding, defaulting and validation of every served kind.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for resource in enclave_api::RESOURCES {
        let mode = enclave_api::validation::FieldValidation::Strict;
        if let Ok((mut obj, _)) = enclave_api::validation::decode_bytes(resource, data, mode) {
            enclave_api::defaults::apply_defaults(resource, &mut obj);
            let _ = enclave_api::validation::validate(resource, &obj, None);
        }
    }
});
