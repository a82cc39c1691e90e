//! Fuzzes the request-body decoders (JSON, YAML, protobuf): any bytes give a value or an error.
#![no_main]

use enclave_apiserver::negotiate::{BodyType, decode_object};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for kind in [BodyType::Json, BodyType::Yaml, BodyType::Protobuf] {
        let _ = decode_object(data, kind);
    }
});
