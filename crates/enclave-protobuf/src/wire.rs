//! Generic protobuf wire-format reader: field keys, varints, fixed-width values and
//! length-delimited payloads, with bounds checks and no panics on any input.

/// One field value as it appears on the wire, before any schema is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WireValue<'a> {
    Varint(u64),
    Fixed64(u64),
    LengthDelimited(&'a [u8]),
    Fixed32(u32),
}

impl WireValue<'_> {
    /// The wire type name, for error messages.
    pub(crate) fn wire_type_name(&self) -> &'static str {
        match self {
            WireValue::Varint(_) => "varint",
            WireValue::Fixed64(_) => "fixed64",
            WireValue::LengthDelimited(_) => "length-delimited",
            WireValue::Fixed32(_) => "fixed32",
        }
    }
}

/// Reads `(field number, value)` pairs from one message's bytes.
pub(crate) struct WireReader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> WireReader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        WireReader { buf, pos: 0 }
    }

    /// Whether all bytes have been read.
    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// Reads the next field, or `None` at the end of the message.
    pub(crate) fn next_field(&mut self) -> Result<Option<(u32, WireValue<'a>)>, String> {
        if self.is_empty() {
            return Ok(None);
        }
        let key_offset = self.pos;
        let key = self.read_varint()?;
        let number = key >> 3;
        if number == 0 || number > u64::from(u32::MAX >> 3) {
            return Err(format!(
                "invalid field number {number} at byte {key_offset}"
            ));
        }
        let number = number as u32;
        let value = match key & 7 {
            0 => WireValue::Varint(self.read_varint()?),
            1 => WireValue::Fixed64(u64::from_le_bytes(self.read_array::<8>()?)),
            2 => {
                let len = self.read_varint()?;
                WireValue::LengthDelimited(self.read_slice(len)?)
            }
            5 => WireValue::Fixed32(u32::from_le_bytes(self.read_array::<4>()?)),
            other => {
                // Groups (3, 4) are deprecated and never produced by Kubernetes; 6 and 7 are
                // not wire types at all.
                return Err(format!(
                    "unsupported wire type {other} for field {number} at byte {key_offset}"
                ));
            }
        };
        Ok(Some((number, value)))
    }

    /// Reads one base-128 varint (at most ten bytes).
    pub(crate) fn read_varint(&mut self) -> Result<u64, String> {
        let mut value: u64 = 0;
        for index in 0..10 {
            let Some(&byte) = self.buf.get(self.pos) else {
                return Err(format!("truncated varint at byte {}", self.pos));
            };
            self.pos += 1;
            if index == 9 && byte > 1 {
                return Err(format!("varint overflows 64 bits at byte {}", self.pos - 1));
            }
            value |= u64::from(byte & 0x7f) << (7 * index);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(format!("varint longer than ten bytes at byte {}", self.pos))
    }

    /// Reads one little-endian 64-bit value (an element of a packed `double` field).
    pub(crate) fn read_fixed64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.read_array::<8>()?))
    }

    fn read_slice(&mut self, len: u64) -> Result<&'a [u8], String> {
        let remaining = self.buf.len() - self.pos;
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        if len > remaining {
            return Err(format!(
                "length {len} at byte {} exceeds the {remaining} bytes left",
                self.pos
            ));
        }
        let slice = &self.buf[self.pos..self.pos + len];
        self.pos += len;
        Ok(slice)
    }

    fn read_array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let slice = self.read_slice(N as u64)?;
        let mut out = [0u8; N];
        out.copy_from_slice(slice);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(buf: &[u8]) -> Result<Vec<(u32, WireValue<'_>)>, String> {
        let mut reader = WireReader::new(buf);
        let mut out = Vec::new();
        while let Some(field) = reader.next_field()? {
            out.push(field);
        }
        Ok(out)
    }

    #[test]
    fn reads_every_wire_type() {
        let buf = [
            0x08, 0x96, 0x01, // 1: varint 150
            0x11, 1, 0, 0, 0, 0, 0, 0, 0, // 2: fixed64 1
            0x1a, 0x02, b'h', b'i', // 3: "hi"
            0x25, 2, 0, 0, 0, // 4: fixed32 2
        ];
        assert_eq!(
            fields(&buf),
            Ok(vec![
                (1, WireValue::Varint(150)),
                (2, WireValue::Fixed64(1)),
                (3, WireValue::LengthDelimited(b"hi")),
                (4, WireValue::Fixed32(2)),
            ])
        );
    }

    #[test]
    fn reads_the_largest_varint() {
        let buf = [
            0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
        ];
        assert_eq!(fields(&buf), Ok(vec![(1, WireValue::Varint(u64::MAX))]));
    }

    #[test]
    fn rejects_malformed_input() {
        for (buf, why) in [
            (&[0x08][..], "truncated varint"),
            (
                &[
                    0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02,
                ][..],
                "overflow",
            ),
            (&[0x0a, 0x05, b'a'][..], "length past end"),
            (&[0x11, 1, 2][..], "truncated fixed64"),
            (&[0x0b][..], "group"),
            (&[0x00, 0x00][..], "field zero"),
            (
                &[0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f][..],
                "huge length",
            ),
        ] {
            assert!(fields(buf).is_err(), "{why}");
        }
    }
}
